// The admin interface: plain HTTP under /admin/ on the API's port, no token
// (a Nivoda token grants nothing here and admin paths are not GraphQL).
// See sim/README.md for each route's format.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/sha256.h"
#include "sim/json_writer.h"
#include "sim/parts.h"
#include "sim/selection.h"

namespace di::sim {
namespace {

const char* kJson = "application/json";

// Appends one dump line: stone_id,offer_id,price_cents,updated_at,payload_sha256
void AppendDumpLine(std::string* out, const Offer& o, uint64_t seed, const ItemContent& content, std::string* scratch) {
  scratch->clear();
  WriteItem(scratch, o, seed, FullItemSelection(), content);
  out->append(StoneId(seed, o.stone));
  out->push_back(',');
  out->append(OfferId(o.offer_key));
  out->push_back(',');
  json::Int(out, o.price_cents);
  out->push_back(',');
  AppendIso8601(out, o.updated_at_ms);
  out->push_back(',');
  out->append(Sha256Hex(*scratch));
  out->push_back('\n');
}

void Dump(Simulator::Parts* p, const httplib::Request& req, httplib::Response& res) {
  std::string feed = req.has_param("feed") ? req.get_param_value("feed") : "all";
  if (feed != "all" && feed != "natural" && feed != "labgrown") {
    res.status = 400;
    res.set_content("feed must be all, natural or labgrown\n", "text/plain");
    return;
  }
  auto offers = std::make_shared<std::vector<Offer>>(p->inventory->Snapshot());
  if (feed != "all") {
    bool lab = feed == "labgrown";
    std::erase_if(*offers, [lab](const Offer& o) { return o.labgrown() != lab; });
  }
  uint64_t seed = p->generator->seed();
  ItemContent content = p->generator->content();
  res.set_header("X-Offer-Count", std::to_string(offers->size()));
  res.set_chunked_content_provider("text/plain",
                                   [offers, seed, content, next = size_t{0}](size_t, httplib::DataSink& sink) mutable {
                                     std::string chunk, scratch;
                                     size_t end = std::min(offers->size(), next + 2000);
                                     for (; next < end; ++next)
                                       AppendDumpLine(&chunk, (*offers)[next], seed, content, &scratch);
                                     if (!chunk.empty() && !sink.write(chunk.data(), chunk.size())) return false;
                                     if (next >= offers->size()) sink.done();
                                     return true;
                                   });
}

void CountersRoute(Simulator::Parts* p, httplib::Response& res) {
  std::string out = "{\"inventory\":{\"natural\":";
  json::Int(&out, p->inventory->LiveCount(false));
  out.append(",\"labgrown\":");
  json::Int(&out, p->inventory->LiveCount(true));
  out.append("},\"churn_paused\":");
  json::Bool(&out, p->churn->paused());
  out.append(",\"tokens_issued\":");
  json::Int(&out, p->tokens->issued());
  out.push_back(',');
  std::string counters = p->counters.ToJson();
  out.append(counters, 1, std::string::npos);  // splice the counters' fields in
  res.set_content(out, kJson);
}

void Trigger(Simulator::Parts* p, const httplib::Request& req, httplib::Response& res) {
  nlohmann::json body = nlohmann::json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
  ChurnFractions f;
  bool ok = body.is_object();
  auto read = [&](const char* key, double* out) {
    if (!ok || !body.contains(key)) return;
    if (!body[key].is_number() || body[key].get<double>() < 0 || body[key].get<double>() > 1) {
      ok = false;
      return;
    }
    *out = body[key].get<double>();
  };
  read("reprice", &f.reprice);
  read("payload", &f.payload);
  read("add", &f.add);
  read("remove", &f.remove);
  if (!ok) {
    res.status = 400;
    res.set_content("{\"error\":\"body must be {reprice,payload,add,remove} fractions in [0,1]\"}", kJson);
    return;
  }
  ChurnCounts done = p->churn->Trigger(f);
  std::string out = "{\"reprice\":";
  json::Int(&out, done.reprice);
  out.append(",\"payload\":");
  json::Int(&out, done.payload);
  out.append(",\"add\":");
  json::Int(&out, done.add);
  out.append(",\"remove\":");
  json::Int(&out, done.remove);
  out.push_back('}');
  res.set_content(out, kJson);
}

}  // namespace

void AddAdminRoutes(Simulator::Parts* p) {
  auto& s = p->server;
  s.Get("/admin/health",
        [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  s.Get("/admin/dump", [p](const httplib::Request& req, httplib::Response& res) { Dump(p, req, res); });
  s.Get("/admin/counters", [p](const httplib::Request&, httplib::Response& res) { CountersRoute(p, res); });
  s.Post("/admin/counters/reset", [p](const httplib::Request&, httplib::Response& res) {
    p->counters.Reset();
    res.set_content("{\"ok\":true}", kJson);
  });
  s.Post("/admin/churn/pause", [p](const httplib::Request&, httplib::Response& res) {
    p->churn->Pause();
    res.set_content("{\"paused\":true}", kJson);
  });
  s.Post("/admin/churn/resume", [p](const httplib::Request&, httplib::Response& res) {
    p->churn->Resume();
    res.set_content("{\"paused\":false}", kJson);
  });
  s.Post("/admin/churn/trigger", [p](const httplib::Request& req, httplib::Response& res) { Trigger(p, req, res); });
  s.Get("/admin/tokens", [p](const httplib::Request&, httplib::Response& res) {
    std::string out;
    for (const auto& token : p->tokens->Tokens()) out += token + "\n";
    res.set_content(out, "text/plain");
  });
  s.Post("/admin/tokens/revoke", [p](const httplib::Request&, httplib::Response& res) {
    std::string out = "{\"revoked\":";
    json::Int(&out, p->tokens->RevokeAll());
    out.push_back('}');
    res.set_content(out, kJson);
  });
}

}  // namespace di::sim
