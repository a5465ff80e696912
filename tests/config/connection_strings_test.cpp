#include "config/connection_strings.h"

#include <gtest/gtest.h>

#include "common/codec.h"

namespace di {
namespace {

constexpr char kKey[] = "c2VjcmV0LWtleS1tYXRlcmlhbC0xMjM0NTY3ODkwYWJjZGVm";  // base64

TEST(HttpUrlTest, AcceptsHttpAndHttps) {
  auto u = ParseHttpUrl("http://127.0.0.1:4000/api/diamonds");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 4000);
  EXPECT_EQ(u->path, "/api/diamonds");
  auto s = ParseHttpUrl("HTTPS://integrations.nivoda.net/api/diamonds");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->scheme, "https");
  EXPECT_EQ(s->port, 443);
  auto v6 = ParseHttpUrl("http://[::1]:8080");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8080);
  EXPECT_EQ(v6->path, "");
  EXPECT_EQ(ParseHttpUrl("http://host?x=1")->path, "?x=1");
}

TEST(HttpUrlTest, RejectsMalformed) {
  for (const char* bad : {"", "notaurl", "ftp://host/", "http://", "http:///path", "http://:80/", "http://host:0/",
                          "http://host:99999/", "http://host:/", "http://host:8a/", "http://user:pw@host/",
                          "http://ho st/", "http://host/\n", "//host/", "http://::1:80/", "http://[::1/"}) {
    EXPECT_FALSE(ParseHttpUrl(bad).ok()) << bad;
  }
}

TEST(HostPortTest, ParsesAndRejects) {
  auto hp = ParseHostPort("127.0.0.1:9464");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "127.0.0.1");
  EXPECT_EQ(hp->port, 9464);
  EXPECT_EQ(hp->ToString(), "127.0.0.1:9464");
  auto v6 = ParseHostPort("[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  EXPECT_EQ(v6->ToString(), "[::1]:0");
  for (const char* bad : {"", "localhost", ":80", "host:", "host:abc", "host:65536", "::1:80", "a b:1"}) {
    EXPECT_FALSE(ParseHostPort(bad).ok()) << bad;
  }
}

TEST(StorageConnectionStringTest, AccountKeyForm) {
  std::string text = std::string("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=") + kKey +
                     ";EndpointSuffix=core.windows.net";
  auto cs = ParseStorageConnectionString(text);
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_EQ(cs->account_name, "acct");
  EXPECT_EQ(cs->account_key, kKey);
  EXPECT_EQ(cs->blob_endpoint, "https://acct.blob.core.windows.net");
  EXPECT_FALSE(cs->development_storage);
  EXPECT_EQ(cs->raw, text);
}

TEST(StorageConnectionStringTest, DefaultsProtocolAndSuffix) {
  auto cs = ParseStorageConnectionString(std::string("accountname=a1;ACCOUNTKEY=") + kKey + ";");
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_EQ(cs->blob_endpoint, "https://a1.blob.core.windows.net");
  auto http = ParseStorageConnectionString(std::string("DefaultEndpointsProtocol=http;AccountName=a1;AccountKey=") +
                                           kKey + ";EndpointSuffix=core.chinacloudapi.cn");
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(http->blob_endpoint, "http://a1.blob.core.chinacloudapi.cn");
}

TEST(StorageConnectionStringTest, BlobEndpointForm) {
  auto cs = ParseStorageConnectionString(std::string("AccountName=devstoreaccount1;AccountKey=") + kKey +
                                         ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1/");
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_EQ(cs->blob_endpoint, "http://127.0.0.1:10000/devstoreaccount1");
}

TEST(StorageConnectionStringTest, DevelopmentStorage) {
  auto cs = ParseStorageConnectionString("UseDevelopmentStorage=true");
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_TRUE(cs->development_storage);
  EXPECT_EQ(cs->account_name, "devstoreaccount1");
  EXPECT_EQ(cs->blob_endpoint, "http://127.0.0.1:10000/devstoreaccount1");
  EXPECT_TRUE(Base64Decode(cs->account_key).ok());
  EXPECT_FALSE(ParseStorageConnectionString("UseDevelopmentStorage=false").ok());
  EXPECT_FALSE(ParseStorageConnectionString("UseDevelopmentStorage=true;AccountName=x").ok());
}

TEST(StorageConnectionStringTest, RejectsMalformedWithoutQuotingIt) {
  const std::string key(kKey);
  const std::pair<std::string, std::string> cases[] = {
      {"garbage" + key, "not key=value"},
      {"AccountName=a", "missing AccountKey"},
      {"AccountKey=" + key, "missing AccountName"},
      {"AccountName=a;AccountKey=" + key + "!!", "AccountKey is not valid base64"},
      {"AccountName=a;AccountKey=" + key + ";Foo=" + key, "unknown key"},
      {"AccountName=a;AccountName=b;AccountKey=" + key, "given twice"},
      {"AccountName=;AccountKey=" + key, "AccountName is empty"},
      {"DefaultEndpointsProtocol=ftp;AccountName=a;AccountKey=" + key, "DefaultEndpointsProtocol"},
      {"AccountName=a;AccountKey=" + key + ";BlobEndpoint=notaurl", "BlobEndpoint"},
      {"AccountName=a;AccountKey=" + key + ";QueueEndpoint=x", "QueueEndpoint"},
      {"", "empty"},
      {";;", "empty"},
  };
  for (const auto& [text, expected] : cases) {
    auto cs = ParseStorageConnectionString(text);
    ASSERT_FALSE(cs.ok()) << text;
    EXPECT_NE(cs.status().message().find(expected), std::string::npos) << cs.status().message();
    EXPECT_EQ(cs.status().message().find(key), std::string::npos) << cs.status().message();
    EXPECT_EQ(cs.status().message().find("garbage"), std::string::npos);
  }
}

TEST(ServiceBusConnectionStringTest, ParsesStandardForm) {
  std::string text = std::string(
                         "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;"
                         "SharedAccessKey=") +
                     kKey;
  auto cs = ParseServiceBusConnectionString(text);
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_EQ(cs->host, "ns.servicebus.windows.net");
  EXPECT_EQ(cs->port, 0);
  EXPECT_EQ(cs->EffectivePort(), 5671);
  EXPECT_EQ(cs->key_name, "RootManageSharedAccessKey");
  EXPECT_EQ(cs->key, kKey);
  EXPECT_EQ(cs->entity_path, "");
  EXPECT_FALSE(cs->use_development_emulator);
  EXPECT_EQ(cs->raw, text);
}

TEST(ServiceBusConnectionStringTest, EntityPathPortAndEmulator) {
  auto cs = ParseServiceBusConnectionString(
      std::string("Endpoint=sb://127.0.0.1:5673;SharedAccessKeyName=k;SharedAccessKey=") + kKey +
      ";EntityPath=work-items;UseDevelopmentEmulator=true;");
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  EXPECT_EQ(cs->host, "127.0.0.1");
  EXPECT_EQ(cs->port, 5673);
  EXPECT_EQ(cs->EffectivePort(), 5673);
  EXPECT_EQ(cs->entity_path, "work-items");
  EXPECT_TRUE(cs->use_development_emulator);
  auto emu =
      ParseServiceBusConnectionString(std::string("Endpoint=sb://localhost;SharedAccessKeyName=k;SharedAccessKey=") +
                                      kKey + ";UseDevelopmentEmulator=true");
  ASSERT_TRUE(emu.ok());
  EXPECT_EQ(emu->EffectivePort(), 5672);
}

TEST(ServiceBusConnectionStringTest, BrokerRabbitMqIsPlainAmqpWithAPassword) {
  auto rabbit = ParseServiceBusConnectionString(
      "Endpoint=sb://127.0.0.1/;SharedAccessKeyName=guest;SharedAccessKey=guest;Broker=rabbitmq");
  ASSERT_TRUE(rabbit.ok()) << rabbit.status().ToString();
  EXPECT_TRUE(rabbit->rabbitmq);
  EXPECT_FALSE(rabbit->use_development_emulator);
  EXPECT_EQ(rabbit->EffectivePort(), 5672);
  EXPECT_EQ(rabbit->key, "guest") << "a RabbitMQ password need not be base64";
  auto bus = ParseServiceBusConnectionString(std::string("Endpoint=sb://ns/;SharedAccessKeyName=k;SharedAccessKey=") +
                                             kKey + ";Broker=ServiceBus");
  ASSERT_TRUE(bus.ok()) << bus.status().ToString();
  EXPECT_FALSE(bus->rabbitmq);
  auto other = ParseServiceBusConnectionString(std::string("Endpoint=sb://ns/;SharedAccessKeyName=k;SharedAccessKey=") +
                                               kKey + ";Broker=kafka");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("Broker"), std::string::npos);
}

TEST(ServiceBusConnectionStringTest, RejectsMalformedWithoutQuotingIt) {
  const std::string key(kKey);
  const std::string rest = ";SharedAccessKeyName=k;SharedAccessKey=" + key;
  const std::pair<std::string, std::string> cases[] = {
      {"garbage", "not key=value"},
      {"SharedAccessKeyName=k;SharedAccessKey=" + key, "missing Endpoint"},
      {"Endpoint=https://ns/" + rest, "sb://"},
      {"Endpoint=sb:///" + rest, "no host"},
      {"Endpoint=sb://ns/path" + rest, "no path"},
      {"Endpoint=sb://ns:99999/" + rest, "port"},
      {"Endpoint=sb://ns/;SharedAccessKey=" + key, "missing SharedAccessKeyName"},
      {"Endpoint=sb://ns/;SharedAccessKeyName=k", "missing SharedAccessKey"},
      {"Endpoint=sb://ns/;SharedAccessKeyName=k;SharedAccessKey=" + key + "%", "not valid base64"},
      {"Endpoint=sb://ns/" + rest + ";UseDevelopmentEmulator=maybe", "UseDevelopmentEmulator"},
      {"Endpoint=sb://ns/" + rest + ";AccountKey=" + key, "unknown key"},
  };
  for (const auto& [text, expected] : cases) {
    auto cs = ParseServiceBusConnectionString(text);
    ASSERT_FALSE(cs.ok()) << text;
    EXPECT_NE(cs.status().message().find(expected), std::string::npos) << cs.status().message();
    EXPECT_EQ(cs.status().message().find(key), std::string::npos) << cs.status().message();
    EXPECT_EQ(cs.status().message().find("garbage"), std::string::npos);
  }
}

TEST(DatabaseUrlTest, UriForms) {
  auto plain = ParseDatabaseUrl("postgresql://app:s3cret-pw@db.example.com:5432/diamonds?sslmode=require");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->password, "s3cret-pw");
  auto encoded = ParseDatabaseUrl("postgres://app:p%40ss%3Aword@host/db");
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(encoded->password, "p@ss:word");
  EXPECT_EQ(encoded->password_encoded, "p%40ss%3Aword");
  auto none = ParseDatabaseUrl("postgresql:///diamonds?host=/tmp");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->password, "");
  EXPECT_EQ(ParseDatabaseUrl("postgres://user@host/db")->password, "");
}

TEST(DatabaseUrlTest, KeywordForm) {
  auto kw = ParseDatabaseUrl("host=127.0.0.1 port=5432 dbname=di user=app password='it''s' sslmode=disable");
  ASSERT_FALSE(kw.ok());  // '' is not libpq quoting; a backslash escapes
  auto ok = ParseDatabaseUrl("host=127.0.0.1 port = 5432 dbname=di password='a b\\'c'");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->password, "a b'c");
  auto bare = ParseDatabaseUrl("dbname=di password=hunter22");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->password, "hunter22");
}

TEST(DatabaseUrlTest, RejectsMalformedWithoutQuotingIt) {
  for (const char* bad : {"", "mysql://u:hunter22@h/db", "hello", "host=x password='hunter22",
                          "postgres://u:hunter22@h/db%zz", "postgres://u:hunter22@h/ db", "=x"}) {
    auto db = ParseDatabaseUrl(bad);
    ASSERT_FALSE(db.ok()) << bad;
    EXPECT_EQ(db.status().message().find("hunter22"), std::string::npos) << db.status().message();
  }
}

}  // namespace
}  // namespace di
