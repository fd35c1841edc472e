// Boost.Beast and Asio in one place. Boost 1.74's asio/awaitable.hpp uses
// std::exchange without including <utility>, which g++ 12 no longer pulls in
// indirectly, so <utility> must come first.
#pragma once

#include <utility>

#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace yizhan::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

using Request = http::request<http::string_body>;

// Beast's header values are boost::string_view; handlers work in std types.
inline std::string_view to_std(beast::string_view text) { return {text.data(), text.size()}; }
using Response = http::response<http::string_body>;

}  // namespace yizhan::web
