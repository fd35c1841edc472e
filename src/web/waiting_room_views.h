// The waiting room on the booking path, shared by the booking API and pages.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "web/app.h"

namespace yizhan::web {

// HttpOnly, SameSite=Lax cookie that carries a browser's queue ticket.
inline constexpr std::string_view kQueueCookie = "yz_queue";

// Records an arrival of `account` on the booking path for `date` (already
// validated as YYYY-MM-DD). Returns nullopt when the account may book now,
// and always when the room is off, without looking at any ticket. Otherwise
// returns the response that makes the caller wait: for the API, 429
// queue.waiting with Retry-After and the ticket in a "queue" member; for
// pages, a 303 redirect to /queue?date=DATE. Takes only the room's mutex
// and does no I/O, so it may run on a network thread.
std::optional<Response> wait_for_turn(App& app, RequestContext& context, const store::Account& account,
                                      const std::string& date);

}  // namespace yizhan::web
