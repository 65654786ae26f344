#include "http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <optional>
#include <stdexcept>

#include "json_codec.h"
#include "log.h"
#include "rest_api.h"

namespace polyscore::server {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

tcp::endpoint parse_endpoint(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("--http wants HOST:PORT, got " + address);
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("--http: not an IP address: " + host);
  int port = std::stoi(address.substr(colon + 1));
  if (port < 0 || port > 65535) throw std::runtime_error("--http: bad port in " + address);
  return tcp::endpoint(ip, static_cast<unsigned short>(port));
}

// One connection: read a request, answer it, repeat while the client keeps it alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  static constexpr size_t kBodyReadBytes = 64 * 1024;  // Beast's largest single read

  Session(tcp::socket socket, ServiceCore& core, std::chrono::milliseconds read_timeout,
          std::shared_ptr<std::atomic<int>> busy)
      : stream_(std::move(socket)), core_(core), read_timeout_(read_timeout), busy_(std::move(busy)) {}

  void start() { read_header(); }

 private:
  void read_header() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(core_.limits.max_body_bytes);
    stream_.expires_after(read_timeout_);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    arrival_ = Clock::now();
    mark_busy(true);
    auto& request = parser_->get();
    if (beast::iequals(request[http::field::expect], "100-continue")) {
      // curl sends this before large bodies and waits for the go-ahead.
      auto go_ahead = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      http::async_write(stream_, *go_ahead,
                        [self = shared_from_this(), go_ahead](beast::error_code ec, size_t) {
                          if (ec) return self->close();
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    // Beast reads at most the buffer's free capacity per read (never under 512 bytes nor
    // over 64 KiB), and the parser empties the buffer into the body after each read. With
    // the capacity left by the header, a 1 MB body came 512 bytes at a time: 1,850
    // recvmsg, epoll_wait and timer resets per request (strace -c; 15 with this), and
    // 10-11 ms of server CPU for a 1,000-row batch against 4.7-5.1 (bench/serve/batch.sh).
    // A connection that once sent a large body keeps the 64 KiB.
    size_t want = kBodyReadBytes;
    if (auto remaining = parser_->content_length()) want = std::min<uint64_t>(*remaining, want);
    if (buffer_.capacity() - buffer_.size() < want) buffer_.reserve(buffer_.size() + want);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    stream_.expires_never();
    auto& request = parser_->get();
    auto view = [](boost::beast::string_view s) { return std::string_view(s.data(), s.size()); };
    HttpAnswer answer = handle_rest(core_, view(request.method_string()), view(request.target()), request.body(),
                                    view(request["Inference-Header-Content-Length"]), arrival_);
    respond(answer, request.keep_alive() && !core_.draining.load());
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      HttpAnswer answer{413, error_body("request body over " + std::to_string(core_.limits.max_body_bytes) +
                                        " bytes (--max-body-bytes)")};
      core_.metrics.record("http", "", "413", 0, 0);
      return respond(answer, false);
    }
    static const auto& http_errors = http::make_error_code(http::error::end_of_stream).category();
    if (ec.category() == http_errors && ec != http::error::end_of_stream &&
        ec != http::error::partial_message) {
      HttpAnswer answer{400, error_body("malformed HTTP request: " + ec.message())};
      core_.metrics.record("http", "", "400", 0, 0);
      return respond(answer, false);
    }
    // End of stream, a half-closed or vanished client, or the read deadline: nothing to
    // answer, so the connection just closes.
    close();
  }

  void respond(const HttpAnswer& answer, bool keep_alive) {
    auto response = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(answer.status), 11);
    response->set(http::field::server, "polyscore");
    response->set(http::field::content_type, answer.content_type);
    if (answer.inference_header_length >= 0) {
      response->set("Inference-Header-Content-Length", std::to_string(answer.inference_header_length));
    }
    response->keep_alive(keep_alive);
    response->body() = answer.body;
    response->prepare_payload();
    stream_.expires_after(read_timeout_);
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response](beast::error_code ec, size_t) {
                        self->mark_busy(false);
                        if (ec || !response->keep_alive()) return self->close();
                        self->read_header();
                      });
  }

  void close() {
    mark_busy(false);
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  void mark_busy(bool busy) {
    if (busy != counted_) {
      counted_ = busy;
      busy_->fetch_add(busy ? 1 : -1);
    }
  }

  beast::tcp_stream stream_;
  ServiceCore& core_;
  std::chrono::milliseconds read_timeout_;
  std::shared_ptr<std::atomic<int>> busy_;
  bool counted_ = false;
  Clock::time_point arrival_;  // the current request's header was read
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

// One io_context per thread, each run by its own thread, and each connection on one of
// them (round robin): a connection's reads, scoring and writes stay on one thread. With
// one io_context shared by every thread, each step of reading a large body could wake
// another thread (epoll, futex, a context switch each); `perf` showed the asio threads
// in the kernel for a third of the server's time, and a 1,000-row REST batch cost the
// server 20-23 ms of CPU with two threads against 11 ms with one.
struct HttpServer::Impl {
  using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;
  explicit Impl(int threads) {
    for (int i = 0; i < threads; ++i) {
      ios.push_back(std::make_unique<asio::io_context>(1));
      guards.emplace_back(ios.back()->get_executor());  // run() waits for connections
    }
    acceptor = std::make_unique<tcp::acceptor>(*ios[0]);
  }
  std::vector<std::unique_ptr<asio::io_context>> ios;
  std::vector<WorkGuard> guards;
  std::unique_ptr<tcp::acceptor> acceptor;
  size_t next = 0;  // the io_context of the next connection (the acceptor's thread only)
  ServiceCore* core = nullptr;
  std::chrono::milliseconds read_timeout{0};
  std::shared_ptr<std::atomic<int>> busy;

  void accept() {
    asio::io_context& io = *ios[next++ % ios.size()];
    acceptor->async_accept(io, [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
      if (!ec) {
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(socket), *core, read_timeout, busy)->start();
      }
      accept();
    });
  }
};

HttpServer::HttpServer(ServiceCore& core, const std::string& address, int threads,
                       std::chrono::milliseconds read_timeout)
    : impl_(std::make_unique<Impl>(threads)), busy_(std::make_shared<std::atomic<int>>(0)),
      threads_(threads) {
  impl_->core = &core;
  impl_->read_timeout = read_timeout;
  impl_->busy = busy_;
  tcp::endpoint endpoint = parse_endpoint(address);
  auto& acceptor = *impl_->acceptor;
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  boost::system::error_code ec;
  acceptor.bind(endpoint, ec);
  if (ec) throw std::runtime_error("--http: cannot listen on " + address + ": " + ec.message());
  acceptor.listen(asio::socket_base::max_listen_connections);
  port_ = acceptor.local_endpoint().port();
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  impl_->accept();
  for (auto& io : impl_->ios) workers_.emplace_back([&io = *io] { io.run(); });
}

void HttpServer::stop_accepting() {
  asio::post(*impl_->ios[0], [this] {
    beast::error_code ignored;
    impl_->acceptor->close(ignored);
  });
}

void HttpServer::stop() {
  for (auto& io : impl_->ios) io->stop();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
}

}  // namespace polyscore::server
