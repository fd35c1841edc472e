// Traveller pages of the booking engine.
#include "web/app.h"

namespace yizhan::web {

void register_booking_pages(App&) {}

}  // namespace yizhan::web
