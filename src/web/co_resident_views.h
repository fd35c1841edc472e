// Views of co-residents shared with the back office: the review pages and
// the staff review API show each co-resident of an account with its checks.
#pragma once

#include <nlohmann/json.hpp>

#include "service/review_service.h"
#include "web/app.h"

namespace yizhan::web {

// The co-residents of `entry` for the review API, with the full ID number
// when `full_number` is set and masked otherwise.
nlohmann::json co_residents_review_json(const service::ReviewEntry& entry, bool full_number);

// The co-residents of `entry` as a mustache list for admin_reviews: each
// with its fields, status and a list of checks {state, mark, text}.
kainjow::mustache::data co_residents_review_rows(App& app, RequestContext& context,
                                                 const service::ReviewEntry& entry, bool full_number);

}  // namespace yizhan::web
