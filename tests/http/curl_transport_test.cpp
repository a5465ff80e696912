// http::CurlTransport against a real local HTTP server (cpp-httplib on 127.0.0.1).
#include "http/curl_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace di::http {
namespace {

class LocalServer {
 public:
  LocalServer() {
    server_.set_keep_alive_max_count(100000);
    server_.set_keep_alive_timeout(30);
    server_.set_tcp_nodelay(true);  // else Nagle + delayed ACK add 40 ms per reused request
    server_.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_header("X-Content-Type-Seen", req.get_header_value("Content-Type"));
      res.set_header("X-Extra-Seen", req.get_header_value("X-Extra"));
      res.set_content(req.body, "application/json");
    });
    server_.Post("/limited", [](const httplib::Request&, httplib::Response& res) {
      res.status = 429;
      res.set_header("Retry-After", "7");
      res.set_content("{\"error\":\"slow down\"}", "application/json");
    });
    server_.Post("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("[" + std::string(200000, ' ') + "]", "application/json");
    });
    // Holds the request until the test releases it (at the latest when the
    // server stops, or after 60 s), so only the client's timeout can end it.
    server_.Post("/slow", [this](const httplib::Request&, httplib::Response& res) {
      std::unique_lock<std::mutex> lock(mu_);
      released_cv_.wait_for(lock, std::chrono::seconds(60), [this] { return released_; });
      res.set_content("{}", "application/json");
    });
    // Any method: reports what arrived (method, body size, the headers a
    // signature depends on) and echoes the body.
    auto report = [](const httplib::Request& req, httplib::Response& res) {
      res.set_header("X-Method", req.method);
      res.set_header("X-Body-Size", std::to_string(req.body.size()));
      res.set_header("X-Content-Type-Seen",
                     req.has_header("Content-Type") ? req.get_header_value("Content-Type") : std::string("(none)"));
      res.set_header("X-Expect-Seen", req.has_header("Expect") ? "yes" : "no");
      res.set_header("X-Signed-Seen", req.get_header_value("X-Signed"));
      res.set_content(req.body, "text/plain");
    };
    server_.Get("/any", report);  // HEAD too
    server_.Put("/any", report);
    server_.Delete("/any", report);
    server_.Patch("/any", report);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~LocalServer() {
    ReleaseSlow();
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  // Lets held /slow requests answer.
  void ReleaseSlow() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    released_cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable released_cv_;
  bool released_ = false;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

const Millis kTimeout(10000);

TEST(CurlTransport, PostsJsonAndReturnsStatusHeadersBody) {
  LocalServer server;
  http::CurlTransport transport;
  const std::string body = R"({"query":"q","variables":{"x":1}})";
  Result<http::HttpResponse> r = transport.Post(server.Url("/echo"), body, {{"X-Extra", "yes"}}, kTimeout);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, body);
  EXPECT_EQ(r->Header("x-content-type-seen"), "application/json");
  EXPECT_EQ(r->Header("x-extra-seen"), "yes");
}

TEST(CurlTransport, HttpErrorsAreResponsesWithRetryAfter) {
  LocalServer server;
  http::CurlTransport transport;
  Result<http::HttpResponse> r = transport.Post(server.Url("/limited"), "{}", {}, kTimeout);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->RetryAfter(), Millis(7000));
  Result<http::HttpResponse> missing = transport.Post(server.Url("/nowhere"), "{}", {}, kTimeout);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
}

// Send() with every method Azure Blob uses: the body goes out as given, and no
// Content-Type or Expect header is added that the caller did not list.
TEST(CurlTransport, SendsAnyMethodWithOnlyTheGivenHeaders) {
  LocalServer server;
  http::CurlTransport transport;
  const std::string big(1536 * 1024, 'x');  // large enough for libcurl's own Expect: 100-continue
  struct Case {
    std::string method;
    std::string body;
    http::HttpHeaders headers;
    std::string content_type_seen;
  };
  const Case cases[] = {
      {"PUT", big, {{"X-Signed", "1"}}, "(none)"},
      {"PUT", "", {{"X-Signed", "1"}, {"Content-Length", "0"}}, "(none)"},
      {"PUT", "{}", {{"Content-Type", "application/json"}, {"X-Signed", "1"}}, "application/json"},
      {"DELETE", "", {{"X-Signed", "1"}}, "(none)"},
      {"DELETE", "gone", {{"X-Signed", "1"}}, "(none)"},
      {"PATCH", "p", {{"X-Signed", "1"}}, "(none)"},
      {"GET", "", {{"X-Signed", "1"}}, "(none)"},
  };
  for (const Case& c : cases) {
    Result<http::HttpResponse> r = transport.Send({c.method, server.Url("/any"), c.headers, c.body, kTimeout});
    ASSERT_TRUE(r.ok()) << c.method << ": " << r.status().ToString();
    EXPECT_EQ(r->status, 200) << c.method;
    EXPECT_EQ(r->Header("x-method"), c.method);
    EXPECT_EQ(r->Header("x-body-size"), std::to_string(c.body.size())) << c.method;
    EXPECT_EQ(r->body.size(), c.body.size()) << c.method;
    EXPECT_EQ(r->Header("x-content-type-seen"), c.content_type_seen) << c.method << " " << c.body.size();
    EXPECT_EQ(r->Header("x-expect-seen"), "no") << c.method << " " << c.body.size();
    EXPECT_EQ(r->Header("x-signed-seen"), "1") << c.method;
  }
}

TEST(CurlTransport, HeadReturnsHeadersWithoutABody) {
  LocalServer server;
  http::CurlTransport transport;
  Result<http::HttpResponse> r = transport.Send({"HEAD", server.Url("/any"), {}, "", kTimeout});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("x-method"), "HEAD");
  EXPECT_TRUE(r->body.empty());
}

TEST(CurlTransport, TransportErrorsNameTheMethod) {
  http::CurlTransport transport;
  Result<http::HttpResponse> r = transport.Send({"PUT", "nope://x", {}, "b", kTimeout});
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind("PUT nope://x: ", 0), 0u) << r.status().message();
}

TEST(CurlTransport, CompressedResponsesAreDecoded) {
  LocalServer server;
  http::CurlTransport transport;
  Result<http::HttpResponse> r = transport.Post(server.Url("/big"), "{}", {}, kTimeout);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  // The server compressed it because we asked (Accept-Encoding); we got it decoded.
  ASSERT_TRUE(r->Header("content-encoding").has_value());
  EXPECT_NE(r->Header("content-encoding")->find_first_of("gb"), std::string::npos);
  EXPECT_EQ(r->body.size(), 200002u);
}

// The server never answers before the client returns: the client's timeout
// ended the request (curl says so), well within 10x the timeout.
TEST(CurlTransport, TimeoutIsUnavailable) {
  LocalServer server;
  http::CurlTransport transport;
  SystemClock clock;
  const int64_t start = clock.MonotonicMs();
  Result<http::HttpResponse> r = transport.Post(server.Url("/slow"), "{}", {}, Millis(200));
  const int64_t elapsed = clock.MonotonicMs() - start;
  server.ReleaseSlow();
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("Timeout was reached"), std::string::npos) << r.status().ToString();
  EXPECT_LT(elapsed, 10 * 200);
}

TEST(CurlTransport, ConnectionRefusedIsUnavailable) {
  // A port bound but never listened on: connections to it are refused.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  SystemClock clock;
  const int64_t start = clock.MonotonicMs();
  http::CurlTransport transport;
  Result<http::HttpResponse> r = transport.Post("http://127.0.0.1:" + std::to_string(port) + "/", "{}", {}, kTimeout);
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  // Refused, not timed out: curl says so, and the timeout was not waited out.
  EXPECT_NE(r.status().message().find("Couldn't connect"), std::string::npos) << r.status().ToString();
  EXPECT_LT(clock.MonotonicMs() - start, kTimeout.count());
  ::close(fd);
}

TEST(CurlTransport, MalformedUrlIsInvalidArgument) {
  http::CurlTransport transport;
  EXPECT_EQ(transport.Post("nope://x", "{}", {}, kTimeout).status().code(), Code::kInvalidArgument);
}

TEST(CurlTransport, SequentialRequestsReuseOneConnection) {
  LocalServer server;
  http::CurlTransport transport;
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(transport.Post(server.Url("/echo"), "{}", {}, kTimeout).ok());
  }
  EXPECT_EQ(transport.connections_opened(), 1);
}

TEST(CurlTransport, ConcurrentCallersReuseConnections) {
  LocalServer server;
  http::CurlTransport transport;
  const int threads = 8, per_thread = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        const std::string body = "{\"t\":" + std::to_string(t) + ",\"i\":" + std::to_string(i) + "}";
        Result<http::HttpResponse> r = transport.Post(server.Url("/echo"), body, {}, kTimeout);
        ok += r.ok() && r->body == body;
      }
    });
  }
  for (auto& t : pool) t.join();
  EXPECT_EQ(ok.load(), threads * per_thread);
  // At most one connection per concurrent caller, not one per request.
  EXPECT_LE(transport.connections_opened(), threads);
}

TEST(CurlTransport, TlsFailureAgainstAPlainServerIsReported) {
  LocalServer server;
  http::CurlTransport transport;
  std::string url = server.Url("/echo");
  url.replace(0, 4, "https");
  Result<http::HttpResponse> r = transport.Post(url, "{}", {}, Millis(3000));
  EXPECT_FALSE(r.ok());
}

TEST(HttpResponse, RetryAfterParsing) {
  http::HttpResponse r;
  EXPECT_FALSE(r.RetryAfter().has_value());
  r.headers = {{"retry-after", " 12 "}};
  EXPECT_EQ(r.RetryAfter(), Millis(12000));
  r.headers = {{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}};
  EXPECT_FALSE(r.RetryAfter().has_value());
  r.headers = {{"retry-after", "-1"}};
  EXPECT_FALSE(r.RetryAfter().has_value());
  r.headers = {{"retry-after", "0"}};
  EXPECT_EQ(r.RetryAfter(), Millis(0));
}

}  // namespace
}  // namespace di::http
