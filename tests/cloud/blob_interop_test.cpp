// Interoperability of the watermark blob with Microsoft's @azure/storage-blob
// (12.29.1) against Azurite 3.35.0 (fixture "azurite"): the SDK reads the
// watermark the project wrote; the project reads the one the SDK wrote; the
// ETag guard holds between them both ways (a write on a stale ETag is refused,
// whoever makes it, and the other writer's value is kept).
// Script: tests/interop/blob_sdk.js.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "azurite.h"
#include "cloud/blob_watermark_store.h"
#include "process.h"

namespace di::testing {
namespace {

constexpr const char* kBlob = "nivoda.json";

WallTime At(const std::string& iso) {
  WallTime t;
  EXPECT_TRUE(ParseIso8601(iso, &t)) << iso;
  return t;
}

class BlobSdk {
 public:
  explicit BlobSdk(const cloud::BlobAccount& account)
      : connection_string_("DefaultEndpointsProtocol=http;AccountName=" + account.account_name +
                           ";AccountKey=" + account.account_key + ";BlobEndpoint=" + account.blob_endpoint + ";") {}

  nlohmann::json Read(const std::string& container) { return Run({"read", container, kBlob}); }
  nlohmann::json Write(const std::string& container, const std::string& body, const std::string& etag) {
    return Run({"write", container, kBlob, body, etag});
  }

 private:
  nlohmann::json Run(const std::vector<std::string>& args) {
    const char* src = std::getenv("DI_SOURCE_DIR");
    const char* servers = std::getenv("DI_TEST_SERVERS_DIR");
    std::string node_path;
    if (servers) std::ifstream(std::string(servers) + "/azurite/node_path") >> node_path;
    if (node_path.empty()) node_path = std::string(src ? src : ".") + "/.deps/interop-npm/node_modules";
    std::vector<std::string> argv = {"/usr/bin/env", "node",
                                     std::string(src ? src : ".") + "/tests/interop/blob_sdk.js"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = test::RunProcess(argv,
                              {"PATH=/usr/local/bin:/usr/bin:/bin", "NODE_PATH=" + node_path,
                               "AZURE_STORAGE_CONNECTION_STRING=" + connection_string_},
                              "/");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
    return j;
  }
  std::string connection_string_;
};

TEST(BlobInterop, TheSdkAndTheStoreShareTheWatermarkAndItsEtagGuard) {
  cloud::BlobAccount account = AzuriteAccount();
  ASSERT_FALSE(account.blob_endpoint.empty()) << "the azurite fixture is not running";
  const std::string container = UniqueContainer();
  cloud::BlobWatermarkStore store(account, {container, kBlob});
  BlobSdk sdk(account);

  // The project writes; the SDK reads the same document and ETag.
  cloud::Watermark first{At("2026-03-01T02:00:00.000Z"), "run-1", At("2026-03-01T02:40:00.000Z")};
  ASSERT_TRUE(store.Advance(first).ok());
  auto snapshot = store.ReadSnapshot();
  ASSERT_TRUE(snapshot.ok() && snapshot->has_value());
  nlohmann::json read = sdk.Read(container);
  ASSERT_TRUE(read["exists"].get<bool>());
  EXPECT_EQ(read["contentType"], "application/json");
  EXPECT_EQ(read["etag"], (*snapshot)->etag);
  auto decoded = cloud::DecodeWatermark(read["body"].get<std::string>());
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->last_run_id, "run-1");
  EXPECT_EQ(decoded->last_updated_at, first.last_updated_at);
  auto doc = nlohmann::json::parse(read["body"].get<std::string>());
  EXPECT_EQ(doc["lastUpdatedAt"], "2026-03-01T02:00:00.000Z") << "the documented field names and format";

  // The SDK writes (on the ETag it read); the project reads it.
  cloud::Watermark second{At("2026-03-02T02:00:00.000Z"), "run-2", At("2026-03-02T02:35:00.000Z")};
  nlohmann::json wrote = sdk.Write(container, cloud::EncodeWatermark(second), read["etag"]);
  ASSERT_TRUE(wrote["ok"].get<bool>()) << wrote.dump();
  auto now = store.Read();
  ASSERT_TRUE(now.ok() && now->has_value()) << now.status().ToString();
  EXPECT_EQ((*now)->last_run_id, "run-2");
  EXPECT_EQ((*now)->last_run_completed_at, second.last_run_completed_at);

  // Guard, project side: the store read ETag E, the SDK wrote meanwhile, the
  // store's write on E is refused and the SDK's value kept.
  auto before = store.ReadSnapshot();
  ASSERT_TRUE(before.ok() && before->has_value());
  cloud::Watermark sdk_third{At("2026-03-03T02:00:00.000Z"), "run-3-sdk", At("2026-03-03T02:30:00.000Z")};
  ASSERT_TRUE(sdk.Write(container, cloud::EncodeWatermark(sdk_third), (*before)->etag)["ok"].get<bool>());
  cloud::Watermark store_third{At("2026-03-03T03:00:00.000Z"), "run-3-store", At("2026-03-03T03:30:00.000Z")};
  EXPECT_EQ(store.WriteIfMatch(store_third, (*before)->etag).code(), Code::kConflict);
  EXPECT_EQ(cloud::DecodeWatermark(sdk.Read(container)["body"].get<std::string>())->last_run_id, "run-3-sdk");

  // Guard, SDK side: the SDK read ETag E, the project advanced meanwhile, the
  // SDK's write on E is refused (412) and the project's value kept.
  nlohmann::json stale = sdk.Read(container);
  cloud::Watermark fourth{At("2026-03-04T02:00:00.000Z"), "run-4", At("2026-03-04T02:30:00.000Z")};
  ASSERT_TRUE(store.Advance(fourth).ok());
  nlohmann::json refused = sdk.Write(container, cloud::EncodeWatermark(sdk_third), stale["etag"]);
  EXPECT_FALSE(refused["ok"].get<bool>());
  EXPECT_EQ(refused["status"], 412) << refused.dump();
  EXPECT_EQ((*store.Read())->last_run_id, "run-4");
  // Creating over an existing watermark is refused too (If-None-Match: *).
  nlohmann::json create = sdk.Write(container, cloud::EncodeWatermark(sdk_third), "none");
  EXPECT_FALSE(create["ok"].get<bool>());
  EXPECT_EQ(create["status"], 409) << create.dump();
}

}  // namespace
}  // namespace di::testing
