// Routes every deployment has: health, metrics, static assets, the language
// switch, the operating guide, and the test-mode clock.
#include <fstream>
#include <sstream>

#include "web/app.h"
#include "web/http_util.h"
#include "web/json_input.h"

namespace yizhan::web {
namespace {

// The guide is a fragment per language under share/guide, read at start.
std::map<std::string, std::string> load_guides(const std::string& share_dir) {
  std::map<std::string, std::string> guides;
  for (std::string_view language : kLanguages) {
    const std::string path = share_dir + "/guide/" + std::string(language) + ".html";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("operating guide not found: " + path);
    std::stringstream text;
    text << in.rdbuf();
    guides[std::string(language)] = text.str();
  }
  return guides;
}

}  // namespace

void register_system_routes(App& app) {
  app.add_route(http::verb::get, "/healthz", [&app](RequestContext& context) {
    if (!app.store().ping()) {
      return app.json(context, http::status::service_unavailable, {{"status", "unavailable"}});
    }
    return app.json(context, http::status::ok, {{"status", "ok"}});
  });

  app.add_route(http::verb::get, "/metrics", [&app](RequestContext&) {
    Response response{http::status::ok, 11};
    response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    response.body() = app.metrics().render_prometheus();
    return response;
  });

  auto static_files = std::make_shared<StaticFiles>(app.config().share_dir + "/static");
  auto serve_static = [&app, static_files](RequestContext& context) {
    const std::string name = context.path.substr(std::string("/static/").size());
    const StaticFile* file = static_files->find(name);
    if (!file) return app.json_error(context, make_error(ErrorKind::not_found, "request.not_found"));
    Response response{http::status::ok, 11};
    response.set(http::field::etag, file->etag);
    // Revalidate after an hour; the ETag makes that a cheap 304.
    response.set(http::field::cache_control, "public, max-age=3600");
    if (to_std(context.request[http::field::if_none_match]) == file->etag) {
      response.result(http::status::not_modified);
      return response;
    }
    response.set(http::field::content_type, file->content_type);
    response.body() = file->body;
    return response;
  };
  app.add_route(http::verb::get, "/static/{file}", serve_static);
  app.add_route(http::verb::get, "/static/{folder}/{file}", serve_static);

  app.add_route(http::verb::get, "/lang", [&app](RequestContext& context) {
    const std::string language = context.query["to"];
    std::string next = context.query.count("next") ? context.query["next"] : "/";
    if (!is_local_path(next)) next = "/";
    if (!is_supported_language(language)) {
      return app.json_error(context, make_error(ErrorKind::malformed, "request.language_unsupported", "to"));
    }
    app.set_language_cookie(context, language);
    if (auto account = app.current_account(context)) app.accounts().remember_language(*account, language);
    if (auto staff = app.current_staff(context)) app.accounts().remember_staff_language(*staff, language);
    return app.redirect(context, next);
  });

  auto guides = std::make_shared<std::map<std::string, std::string>>(load_guides(app.config().share_dir));
  app.add_route(http::verb::get, "/guide", [&app, guides](RequestContext& context) {
    kainjow::mustache::data data;
    // The guide's only tag is the support mailbox; render it as a template
    // so the address is escaped like everywhere else.
    kainjow::mustache::mustache guide(guides->at(context.language));
    kainjow::mustache::data guide_data;
    guide_data.set("support_email", app.config().support_email);
    data.set("guide", guide.render(guide_data));
    return app.page(context, "guide", "guide_title", data);
  });

  if (app.test_clock()) {
    app.add_route(http::verb::put, "/api/v1/test/clock", [&app](RequestContext& context) {
      auto body = read_json_object(context.request.body(), {{"now", JsonType::string, true}});
      if (!body) return app.json_error(context, body.error());
      const auto instant = service::parse_rfc3339(string_member(body.value(), "now"));
      if (!instant) return app.json_error(context, make_error(ErrorKind::invalid, "request.instant_invalid", "now"));
      app.test_clock()->set(*instant);
      return app.json(context, http::status::ok, {{"now", app.zone().format_rfc3339(app.clock().now())}});
    });
    app.add_route(http::verb::get, "/api/v1/test/clock", [&app](RequestContext& context) {
      return app.json(context, http::status::ok, {{"now", app.zone().format_rfc3339(app.clock().now())}});
    });
  }
}

}  // namespace yizhan::web
