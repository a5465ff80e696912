// bench_parse: Nivoda page parsing speed (ParsePageResponse: validation, errors
// check, per-item fields, exact raw slices and their SHA-256) on a realistic
// 50-item page, against two baselines measured in the same run:
//   - simdjson DOM parse of the same body alone (the floor: validation only);
//   - nlohmann::json parse + dump of every item (a re-serialising client).
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "nivoda/response_parser.h"

namespace {

std::string Item(int i) {
  std::string n = std::to_string(i);
  return R"({"id":"DIAMOND/offer-)" + n + R"(","price":)" + std::to_string(150000 + i * 37) +
         R"(,"diamond_price":140000,"markup_price":150000,"discount":-31.5,"markup_discount":-28.2,)"
         R"("updated_at":"2026-02-12T19:01:13.001Z","diamond":{"id":"stone-)" +
         n + R"(","availability":"AVAILABLE","HoldId":null,"NivodaStockId":"NV)" + n + R"(","supplierStockId":"S-)" +
         n + R"(","image":"https://images.example.com/)" + n + R"(.jpg","video":"https://v360.example.com/)" + n +
         R"(/video.html","eyeClean":"100%","brown":0,"green":0,"blue":0,"gray":0,"milky":0,)"
         R"("bowtie":null,"mine_of_origin":"Botswana","supplier_video_link":null,"approval_type":"NONE",)"
         R"("final_price":150000,"return_window":30,"CertificateType":"GIA",)"
         R"("delivery_time":{"express_timeline_applicable":false,"min_business_days":3,"max_business_days":7},)"
         R"("supplier":{"id":"sup-1","name":"Example Gems","legal_name":"Example Gems \"Intl\" LLC"},)"
         R"("certificate":{"id":"cert-)" +
         n + R"(","lab":"GIA","certNumber":"22)" + n + R"(","pdfUrl":"https://www.gia.edu/report-check?reportno=22)" +
         n +
         R"(","shape":"ROUND","fullShape":"Round Brilliant","carats":1.01,"clarity":"VS1","cut":"EX",)"
         R"("polish":"EX","symmetry":"EX","color":"G","length":6.45,"width":6.48,"depth":3.98,)"
         R"("depthPercentage":61.5,"table":57,"crownAngle":34.5,"crownHeight":15,"pavAngle":40.8,)"
         R"("pavHeight":43,"pavDepth":43.5,"floInt":"None","floCol":null,"verified":true,"labgrown":false,)"
         R"("labgrown_type":null,"treated":false,"girdle":"Medium to Slightly Thick","culetSize":"None",)"
         R"("girdleCondition":"Faceted","culet_condition":null,"cut_style":null,)"
         R"("keyToSymbols":"Crystal, Needle","comments":"Additional clouds are not shown.\nInscription: GIA 22)" +
         n + R"(","f_color":null,"f_intensity":null,"f_overtone":null}}})";
}

template <typename F>
double NsPerPage(F&& f, int iterations) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) f();
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start);
  return static_cast<double>(ns.count()) / iterations;
}

}  // namespace

int main() {
  std::string body = R"({"data":{"as":{"diamonds_by_query":{"total_count":50,"items":[)";
  for (int i = 0; i < 50; ++i) body += (i ? "," : "") + Item(i);
  body += "]}}}}";
  const int iterations = 2000;
  volatile size_t sink = 0;

  auto ours = [&] {
    auto page = di::nivoda::ParsePageResponse(body);
    if (!page.ok() || page->offers.size() != 50) std::abort();
    sink = sink + page->offers.back().sha256_hex.size();
  };
  simdjson::dom::parser dom;
  simdjson::padded_string padded(body);
  auto floor = [&] {
    simdjson::dom::element root;
    if (dom.parse(padded).get(root)) std::abort();
    sink = sink + 1;
  };
  auto naive = [&] {
    auto doc = nlohmann::json::parse(body);
    for (const auto& item : doc["data"]["as"]["diamonds_by_query"]["items"]) {
      std::string text = item.dump();
      sink = sink + di::Sha256Hex(text).size() + item["price"].get<int64_t>();
    }
  };
  std::vector<std::string> items;
  for (int i = 0; i < 50; ++i) items.push_back(Item(i));
  auto hash_only = [&] {
    for (const auto& item : items) sink = sink + di::Sha256Hex(item).size();
  };
  ours();  // warm up
  const double ns_ours = NsPerPage(ours, iterations);
  const double ns_floor = NsPerPage(floor, iterations);
  const double ns_naive = NsPerPage(naive, iterations / 4);
  const double ns_hash = NsPerPage(hash_only, iterations);
  const double mb = body.size() / 1e6;
  std::printf("page: 50 items, %zu bytes\n", body.size());
  std::printf("ParsePageResponse (fields + raw slices + sha256): %8.1f us/page  %7.0f MB/s  %8.0f pages/s\n",
              ns_ours / 1e3, mb / (ns_ours / 1e9), 1e9 / ns_ours);
  std::printf("baseline simdjson DOM validation only:            %8.1f us/page  %7.0f MB/s\n", ns_floor / 1e3,
              mb / (ns_floor / 1e9));
  std::printf("  of which SHA-256 of the 50 items alone:          %8.1f us/page\n", ns_hash / 1e3);
  std::printf("baseline nlohmann parse + dump + sha256 per item: %8.1f us/page  %7.0f MB/s\n", ns_naive / 1e3,
              mb / (ns_naive / 1e9));
  std::printf("ratio: ours / simdjson-floor = %.2f, nlohmann / ours = %.2f\n", ns_ours / ns_floor, ns_naive / ns_ours);
  return 0;
}
