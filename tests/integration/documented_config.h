// What the gateway tests share (nginx_process.h, caddy_process.h): a configuration block of
// docs/operations.md — the text between `<!-- NAME-config-begin -->` + a ```LANG fence and
// `<!-- NAME-config-end -->` — pointed at a test's ports by exact edits, so that the tests run the
// configuration users copy; and whether a loopback port accepts connections yet.
#pragma once

#include <cstdint>
#include <string>

namespace keyward_it {

class DocumentedConfig {
 public:
  // Throws std::runtime_error when docs/operations.md has no such block. `what` names the
  // configuration in errors ("nginx config", "Caddyfile").
  DocumentedConfig(const std::string& name, const std::string& lang, std::string what);

  // Replaces `from`, which must occur exactly once (else std::runtime_error), with `to`.
  void ReplaceOnce(const std::string& from, const std::string& to);
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::string what_;
};

bool LoopbackPortAccepts(uint16_t port);

}  // namespace keyward_it
