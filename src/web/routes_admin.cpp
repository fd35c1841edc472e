// Back-office routes for reviewers and administrators.
#include "web/app.h"

namespace yizhan::web {

void register_admin_routes(App&) {}

}  // namespace yizhan::web
