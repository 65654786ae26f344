// Turns a failed libnats call into an exception that says what was being done and why
// it failed, and owns libnats objects so every path frees them.
#pragma once

#include <nats/nats.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace polyscore_worker {

// Throws std::runtime_error("WHAT: <status text> (<last error>)") unless s is NATS_OK.
inline void nats_check(natsStatus s, const std::string& what, jsErrCode js_error = jsErrCode(0)) {
  if (s == NATS_OK) return;
  std::string message = what + ": " + natsStatus_GetText(s);
  const char* detail = nats_GetLastError(nullptr);
  if (detail && *detail) message += std::string(" (") + detail + ")";
  if (js_error != 0) message += " [JetStream error " + std::to_string(js_error) + "]";
  throw std::runtime_error(message);
}

struct NatsMsgFree {
  void operator()(natsMsg* m) const { natsMsg_Destroy(m); }
};
struct JsPubAckFree {
  void operator()(jsPubAck* a) const { jsPubAck_Destroy(a); }
};
struct JsMetaFree {
  void operator()(jsMsgMetaData* m) const { jsMsgMetaData_Destroy(m); }
};
using NatsMsgPtr = std::unique_ptr<natsMsg, NatsMsgFree>;
using JsPubAckPtr = std::unique_ptr<jsPubAck, JsPubAckFree>;
using JsMetaPtr = std::unique_ptr<jsMsgMetaData, JsMetaFree>;

}  // namespace polyscore_worker
