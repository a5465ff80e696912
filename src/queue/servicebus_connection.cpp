// ServiceBusConnection: the blocking, thread-safe face of ConnectionHandler
// (servicebus_handler.h): each call hands its work to the container thread and
// waits for the answer.
#include "queue/servicebus_connection.h"

#include <chrono>
#include <future>
#include <thread>

#include "queue/servicebus_handler.h"

namespace di::queue::sb {

ServiceBusConnection::ServiceBusConnection(AmqpOptions options)
    : handler_(std::make_unique<ConnectionHandler>(std::move(options))) {}

ServiceBusConnection::~ServiceBusConnection() = default;

Status ServiceBusConnection::Send(const std::string& address, const proton::message& message, Millis timeout) {
  auto promise = std::make_shared<std::promise<Status>>();
  auto future = promise->get_future();
  ConnectionHandler* h = handler_.get();
  h->Post([h, address, message, promise] { h->StartSend(address, message, promise); });
  if (future.wait_for(timeout) != std::future_status::ready) {
    return Status(Code::kUnavailable, "amqp send to " + address + " timed out");
  }
  return future.get();
}

Result<std::optional<Received>> ServiceBusConnection::Receive(const std::string& address, Millis wait) {
  return handler_->Receive(address, wait);
}

Status ServiceBusConnection::Settle(const std::string& token, Outcome outcome, const std::string& reason,
                                    const std::string& description, Millis timeout) {
  ConnectionHandler* h = handler_.get();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto promise = std::make_shared<std::promise<Status>>();
    auto future = promise->get_future();
    h->Post(
        [=] { h->StartSettle(token, outcome, reason, description, [promise](Status s) { promise->set_value(s); }); });
    if (future.wait_until(deadline) != std::future_status::ready) {
      return Status(Code::kUnavailable, "amqp settle timed out");
    }
    Status s = future.get();
    // Service Bus: the connection or the link dropped under the settlement, but
    // the lock lives on until it expires: settle again (by lock token) once connected.
    if (s.code() != Code::kUnavailable || !h->options().service_bus) return s;
    if (std::chrono::steady_clock::now() >= deadline || !Holds(token)) return s;
    h->WaitConnected(std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now()));
    std::this_thread::sleep_for(Millis(50));
  }
}

bool ServiceBusConnection::Holds(const std::string& token) {
  auto promise = std::make_shared<std::promise<bool>>();
  auto future = promise->get_future();
  ConnectionHandler* h = handler_.get();
  h->Post([=] { promise->set_value(h->Holds(token)); });
  return future.wait_for(std::chrono::seconds(30)) == std::future_status::ready && future.get();
}

Result<WallTime> ServiceBusConnection::RenewLock(const std::string& token, Millis timeout) {
  auto promise = std::make_shared<std::promise<Result<WallTime>>>();
  auto future = promise->get_future();
  ConnectionHandler* h = handler_.get();
  h->Post([=] { h->StartRenew(token, [promise](Result<WallTime> r) { promise->set_value(std::move(r)); }); });
  if (future.wait_for(timeout) != std::future_status::ready) {
    return Status(Code::kUnavailable, "amqp renew-lock timed out");
  }
  return future.get();
}

Result<proton::message> ServiceBusConnection::Request(const std::string& node, proton::message request,
                                                      Millis timeout) {
  auto promise = std::make_shared<std::promise<Result<proton::message>>>();
  auto future = promise->get_future();
  ConnectionHandler* h = handler_.get();
  h->Post([=]() mutable {
    if (!h->Usable()) return promise->set_value(Status(Code::kUnavailable, "amqp not connected"));
    h->StartRequest(node, request, [promise](Result<proton::message> r) { promise->set_value(std::move(r)); });
  });
  if (future.wait_for(timeout) != std::future_status::ready) {
    return Status(Code::kUnavailable, "amqp request to " + node + " timed out");
  }
  return future.get();
}

bool ServiceBusConnection::WaitConnected(Millis timeout) { return handler_->WaitConnected(timeout); }

int64_t ServiceBusConnection::connects() const { return handler_->connects(); }

int64_t ServiceBusConnection::tokens_put() const { return handler_->tokens_put(); }

}  // namespace di::queue::sb
