// The HTTP/1.1 transport for the REST API: Boost.Beast on Asio, asynchronous,
// keep-alive, with a read deadline per request (slow or half-closed clients are cut
// off) and a body size limit (413).
#ifndef POLYSCORE_SERVER_HTTP_SERVER_H
#define POLYSCORE_SERVER_HTTP_SERVER_H

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "service_core.h"

namespace polyscore::server {

class HttpServer {
 public:
  // Binds ADDRESS ("127.0.0.1:8080"; port 0 picks a free one). Throws std::runtime_error.
  HttpServer(ServiceCore& core, const std::string& address, int threads,
             std::chrono::milliseconds read_timeout);
  ~HttpServer();

  int port() const { return port_; }
  void start();
  // Stops accepting connections; requests under way go on.
  void stop_accepting();
  // Requests between their first header byte and their answer being written.
  int busy() const { return busy_->load(); }
  // Closes every connection and joins the threads.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::shared_ptr<std::atomic<int>> busy_;
  int port_ = 0;
  int threads_;
  std::vector<std::thread> workers_;
};

}  // namespace polyscore::server

#endif
