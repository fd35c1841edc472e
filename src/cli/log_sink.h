// The server's log goes to standard output through a buffer that is
// written out once a second and at once for warnings and errors, instead of
// one write system call per access-log line: under the opening rush that
// call costs as much as answering a sold-out request.
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <cstdio>
#include <mutex>

namespace yizhan::cli {

class BufferedStdoutSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  BufferedStdoutSink() { std::setvbuf(stdout, nullptr, _IOFBF, 1 << 16); }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(message, formatted);
    std::fwrite(formatted.data(), 1, formatted.size(), stdout);
  }
  void flush_() override { std::fflush(stdout); }
};

}  // namespace yizhan::cli
