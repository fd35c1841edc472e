// JSON forms of booking data, shared by the booking API and pages.
#pragma once

#include <nlohmann/json.hpp>

#include "service/booking_service.h"
#include "web/app.h"

namespace yizhan::web {

nlohmann::json day_json(const service::DayAvailability& day);
nlohmann::json booking_json(App& app, RequestContext& context, const store::Booking& booking);
// Counts one booking response in /metrics by its outcome.
void count_booking(App& app, const Result<service::BookingConfirmation>& booked);

}  // namespace yizhan::web
