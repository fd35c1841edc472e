// Operators' pages for stations and daily quotas.
#include "web/app.h"

namespace yizhan::web {

void register_quota_pages(App&) {}

}  // namespace yizhan::web
