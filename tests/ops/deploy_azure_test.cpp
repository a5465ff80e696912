// deploy/azure (Terraform) against Azure's naming rules and the app's queue
// settings, read as text (providers cannot be downloaded here, so neither
// `terraform validate` nor `plan` runs):
// - no two resources share a name; the globally (DNS) or subscription-scoped
//   names carry the random suffix, the others var.name; with the longest
//   var.name the validation allows, every name fits its resource's limit;
// - both Service Bus queues take their lock duration and delivery count from
//   the locals the app's QUEUE_LEASE_SECONDS and QUEUE_MAX_DELIVERIES are set
//   from, and those equal the app's delivery count (10) and Service Bus's
//   5-minute lock limit.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "ops_support.h"

namespace di::testing {
namespace {

struct Resource {
  std::string type, id, name, body;
};

// Every top-level `resource "TYPE" "ID" { ... }` of deploy/azure/*.tf.
std::vector<Resource> Resources() {
  std::vector<Resource> out;
  const std::regex header(R"re(\nresource "(\w+)" "(\w+)" \{)re");
  const std::regex name(R"re(\n  name\s*=\s*([^\n#]*[^\s#]))re");
  for (const auto& entry : std::filesystem::directory_iterator(SourceDir() / "deploy/azure")) {
    if (entry.path().extension() != ".tf") continue;
    const std::string text = "\n" + FileText(entry.path());
    for (auto it = std::sregex_iterator(text.begin(), text.end(), header); it != std::sregex_iterator(); ++it) {
      const size_t begin = static_cast<size_t>(it->position());
      const size_t end = text.find("\n}\n", begin);
      Resource r{(*it)[1], (*it)[2], "", text.substr(begin, end - begin)};
      std::smatch m;
      if (std::regex_search(r.body, m, name)) r.name = m[1];
      out.push_back(r);
    }
  }
  return out;
}

// The name expression NAME as Azure would see it with the longest var.name
// the validation allows and a 6-character suffix.
std::string Longest(std::string name) {
  const std::string base(16, 'a'), suffix(6, 'b');
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{{"${local.unique_name}", base + "-" + suffix},
                                                        {"${var.name}", base},
                                                        {"${random_string.suffix.result}", suffix}}) {
    for (size_t at = name.find(from); at != std::string::npos; at = name.find(from)) name.replace(at, from.size(), to);
  }
  if (name.size() >= 2 && name.front() == '"') name = name.substr(1, name.size() - 2);
  return name;
}

TEST(DeployAzure, ResourceNamesAreDistinctUniqueAndWithinAzureLimits) {
  const auto resources = Resources();
  ASSERT_GE(resources.size(), 10u);
  std::map<std::string, std::string> seen;  // name -> resource
  // Azure's length limits of the resources whose names a collision or a long var.name can break.
  const std::map<std::string, std::pair<size_t, size_t>> limits = {{"azurerm_resource_group", {1, 90}},
                                                                   {"azurerm_log_analytics_workspace", {4, 63}},
                                                                   {"azurerm_container_app_environment", {2, 60}},
                                                                   {"azurerm_container_app", {2, 32}},
                                                                   {"azurerm_container_app_job", {2, 32}},
                                                                   {"azurerm_servicebus_namespace", {6, 50}},
                                                                   {"azurerm_storage_account", {3, 24}}};
  // Global DNS names, and the resource group (one per subscription): a random suffix.
  const std::set<std::string> unique_types = {"azurerm_servicebus_namespace", "azurerm_storage_account",
                                              "azurerm_resource_group"};
  for (const auto& r : resources) {
    if (r.type == "random_string") continue;
    ASSERT_FALSE(r.name.empty()) << r.type << "." << r.id << " has no name";
    const std::string where = r.type + "." + r.id;
    EXPECT_TRUE(seen.emplace(r.name, where).second) << where << " and " << seen[r.name] << " share " << r.name;
    if (unique_types.contains(r.type)) {
      EXPECT_TRUE(r.name.find("local.unique_name") != std::string::npos ||
                  r.name.find("random_string.suffix.result") != std::string::npos)
          << where << ": " << r.name << " needs the random suffix";
    }
    auto limit = limits.find(r.type);
    if (limit == limits.end()) continue;
    EXPECT_NE(r.name.find("${"), std::string::npos) << where << ": a fixed name (" << r.name << ") collides";
    const std::string longest = Longest(r.name);
    EXPECT_GE(longest.size(), limit->second.first) << where;
    EXPECT_LE(longest.size(), limit->second.second) << where << ": " << longest;
    if (r.type == "azurerm_storage_account") {
      EXPECT_TRUE(std::regex_match(longest, std::regex("[a-z0-9]+"))) << longest;
    }
  }
  const std::string variables = FileText(SourceDir() / "deploy/azure/variables.tf");
  EXPECT_NE(variables.find(R"(condition     = can(regex("^[a-z][a-z0-9]{2,15}$", var.name)))"), std::string::npos)
      << "var.name is validated to 3-16 characters";
}

TEST(DeployAzure, QueueSettingsAreTheApps) {
  std::map<std::string, std::string> queues;
  for (const auto& r : Resources()) {
    if (r.type != "azurerm_servicebus_queue") continue;
    queues[r.id] = r.body;
    EXPECT_NE(r.body.find("max_delivery_count                      = local.queue_max_deliveries"), std::string::npos)
        << r.id;
    EXPECT_NE(r.body.find("lock_duration                           = \"PT${local.queue_lease_minutes}M\""),
              std::string::npos)
        << r.id;
  }
  EXPECT_EQ(queues.size(), 2u);
  const std::string main = FileText(SourceDir() / "deploy/azure/main.tf");
  EXPECT_NE(main.find("QUEUE_MAX_DELIVERIES        = tostring(local.queue_max_deliveries)"), std::string::npos);
  EXPECT_NE(main.find("QUEUE_LEASE_SECONDS         = tostring(local.queue_lease_minutes * 60)"), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(main, m, std::regex(R"(\n  queue_max_deliveries\s*=\s*(\d+))")));
  const std::string deliveries = m[1];
  ASSERT_TRUE(std::regex_search(main, m, std::regex(R"(\n  queue_lease_minutes\s*=\s*(\d+))")));
  EXPECT_LE(std::stoi(m[1]), 5) << "Service Bus locks for at most 5 minutes";
  // The app's own delivery count: what the PostgreSQL queue dead-letters at.
  auto config = RunCommand({BinaryPath("diamond-ingest"), "config"});
  ASSERT_EQ(config.exit_code, 0);
  ASSERT_TRUE(std::regex_search(config.out, m, std::regex(R"(QUEUE_MAX_DELIVERIES=(\d+))")));
  EXPECT_EQ(deliveries, m[1].str());
}

}  // namespace
}  // namespace di::testing
