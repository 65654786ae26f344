// polyscore-serve: the model server. `polyscore serve ...` runs this program.
// Threads: gRPC's pool, --http-threads for REST, and this main thread, which waits for
// signals: SIGHUP reloads, the poll interval reloads, SIGTERM/SIGINT drain and exit.
#include <signal.h>

#include <cerrno>
#include <ctime>
#include <iostream>
#include <memory>
#include <thread>

#include <absl/synchronization/mutex.h>
#include <grpcpp/grpcpp.h>

#include "grpc_services.h"
#include "http_server.h"
#include "log.h"
#include "options.h"

using namespace polyscore::server;

namespace {

int run(const ServeOptions& options) {
  ps_error* err = nullptr;
  ps_error_create(&err);
  if (ps_abi_check(PS_ABI_VERSION, err) != PS_OK) {
    log_error("libpolyscore is too old", {{"error", ps_error_message(err)}});
    ps_error_free(err);
    return 1;
  }
  ps_error_free(err);

  // Signals go to this thread only (blocked before any other thread starts).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ServiceCore core(options.models_dir, options.limits);
  core.repository_control = options.model_control_explicit;
  core.repository.reload();

  GrpcServices services(core, options.grpc_fraud_threads);  // outlives the server
  std::unique_ptr<grpc::Server> grpc_server;
  int grpc_port = 0;
  if (!options.grpc_address.empty() || !options.grpc_unix.empty()) {
    grpc::ServerBuilder builder;
    if (!options.grpc_address.empty()) {
      builder.AddListeningPort(options.grpc_address, grpc::InsecureServerCredentials(), &grpc_port);
    }
    if (!options.grpc_unix.empty()) {
      builder.AddListeningPort("unix:" + options.grpc_unix, grpc::InsecureServerCredentials());
    }
    builder.SetMaxReceiveMessageSize(static_cast<int>(options.limits.max_body_bytes));
    services.register_on(builder);
    grpc_server = builder.BuildAndStart();
    if (grpc_server) services.start();
    if (!grpc_server || (!options.grpc_address.empty() && grpc_port == 0)) {
      log_error("cannot start the gRPC server",
                {{"grpc", options.grpc_address}, {"grpc_unix", options.grpc_unix}});
      return 1;
    }
  }

  std::unique_ptr<HttpServer> http_server;
  if (!options.http_address.empty()) {
    try {
      http_server = std::make_unique<HttpServer>(core, options.http_address, options.http_threads,
                                                 std::chrono::milliseconds(options.read_timeout_ms));
    } catch (const std::exception& e) {
      log_error("cannot start the HTTP server", {{"error", e.what()}});
      if (grpc_server) grpc_server->Shutdown();
      return 1;
    }
    http_server->start();
  }

  auto snapshot = core.repository.snapshot();
  log_info("serving", {{"models_dir", options.models_dir},
                       num("models", static_cast<long long>(snapshot->models.size())),
                       num("versions", static_cast<long long>(snapshot->loaded_versions())),
                       num("grpc_port", grpc_port), {"grpc_unix", options.grpc_unix},
                       num("http_port", http_server ? http_server->port() : 0),
                       {"model_control", options.model_control_explicit ? "explicit" : "poll"}});

  for (;;) {
    int signal = 0;
    if (options.poll_seconds > 0) {
      timespec timeout{options.poll_seconds, 0};
      signal = sigtimedwait(&signals, nullptr, &timeout);
      if (signal < 0 && errno == EAGAIN) {
        core.repository.reload();
        continue;
      }
    } else {
      sigwait(&signals, &signal);
    }
    if (signal == SIGHUP) {
      log_info("SIGHUP: reloading the models");
      core.repository.reload();
    } else if (signal == SIGTERM || signal == SIGINT) {
      break;
    }
  }

  // Drain: refuse new work, let what is under way finish, within the deadline.
  core.draining.store(true);  // before the log line: who reads "draining" sees it
  log_info("draining", {num("deadline_seconds", options.drain_seconds),
                        num("in_flight", core.admission.in_flight())});
  auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(options.drain_seconds);
  if (http_server) http_server->stop_accepting();
  std::thread grpc_drain;
  if (grpc_server) grpc_drain = std::thread([&] { grpc_server->Shutdown(deadline); });
  if (http_server) {
    while (http_server->busy() > 0 && std::chrono::system_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (http_server->busy() > 0) {
      log_warn("drain deadline passed with HTTP requests unanswered", {num("busy", http_server->busy())});
    }
    http_server->stop();
  }
  if (grpc_drain.joinable()) grpc_drain.join();
  services.stop();
  log_info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian builds Abseil without NDEBUG, so every absl::Mutex lock and destruction inside
  // gRPC updates a process-wide deadlock graph under a global lock: 14% of the server's
  // instructions per one-row gRPC call (callgrind, bench/serve/README.md). A debugging
  // aid, off as in release builds.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  ServeOptions options;
  std::string error;
  if (argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::cout << kServeUsage;
    return 0;
  }
  if (!parse_serve_options(argc - 1, argv + 1, &options, &error)) {
    std::cerr << "polyscore serve: " << error << "\n\n" << kServeUsage;
    return 2;
  }
  return run(options);
}
