#include "llmsim/plan.hpp"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace llmsim {

namespace {

constexpr std::array<std::string_view, 48> kLorem{"lorem",      "ipsum",        "dolor",
                                                  "sit",        "amet",         "consectetur",
                                                  "adipiscing", "elit",         "sed",
                                                  "do",         "eiusmod",      "tempor",
                                                  "incididunt", "ut",           "labore",
                                                  "et",         "dolore",       "magna",
                                                  "aliqua",     "enim",         "ad",
                                                  "minim",      "veniam",       "quis",
                                                  "nostrud",    "exercitation", "ullamco",
                                                  "laboris",    "nisi",         "aliquip",
                                                  "ex",         "ea",           "commodo",
                                                  "consequat",  "duis",         "aute",
                                                  "irure",      "in",           "reprehenderit",
                                                  "voluptate",  "velit",        "esse",
                                                  "cillum",     "fugiat",       "nulla",
                                                  "pariatur",   "excepteur",    "sint"};

constexpr std::string_view kCodeBlock =
    "```cpp\n"
    "int answer(int question) {\n"
    "  // The simulator's idea of deep thought.\n"
    "  return question * 0 + 42;\n"
    "}\n"
    "```\n\n";

// Tool-call arguments stream in pieces of this many bytes, like a model emitting tokens.
constexpr std::size_t kArgumentPiece = 8;

}  // namespace

std::vector<std::string> split_tokens(std::string_view text) {
  std::vector<std::string> tokens;
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  std::size_t i = 0;
  // Leading whitespace travels with the first word.
  while (i < text.size()) {
    const auto start = i;
    while (i < text.size() && space(text[i])) ++i;
    while (i < text.size() && !space(text[i])) ++i;
    while (i < text.size() && space(text[i])) ++i;
    tokens.emplace_back(text.substr(start, i - start));
  }
  return tokens;
}

std::vector<std::string> split_pieces(std::string_view text, std::size_t size) {
  std::vector<std::string> pieces;
  if (size == 0) size = 1;
  std::size_t i = 0;
  while (i < text.size()) {
    auto end = std::min(text.size(), i + size);
    // Continuation bytes (10xxxxxx) belong to the character before them.
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    pieces.emplace_back(text.substr(i, end - i));
    i = end;
  }
  return pieces;
}

std::string lorem_words(std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) out += ' ';
    out.append(kLorem[i % kLorem.size()]);
  }
  return out;
}

std::string lorem_text(std::size_t chars) {
  std::string out;
  out.reserve(chars + kCodeBlock.size() + 512);
  std::size_t word = 0;
  std::size_t paragraph = 0;
  while (out.size() < chars) {
    // Every third paragraph is a code block, so clients meet fences that chunking must respect.
    if (paragraph % 3 == 2) {
      out.append(kCodeBlock);
    } else {
      for (int i = 0; i < 40; ++i) {
        if (i > 0) out += ' ';
        out.append(kLorem[word++ % kLorem.size()]);
      }
      out.append(".\n\n");
    }
    ++paragraph;
  }
  out.resize(chars);
  return out;
}

std::string Plan::reasoning_text() const {
  std::string out;
  for (const auto& piece : reasoning) out += piece;
  return out;
}

std::string Plan::content_text() const {
  std::string out;
  for (const auto& piece : content) out += piece;
  return out;
}

std::size_t Plan::generated_chunks() const {
  std::size_t n = reasoning.size() + content.size();
  for (const auto& call : tool_calls) n += 1 + call.argument_pieces.size();
  return n;
}

Plan make_plan(const ChatRequest& request, const Directive& d, std::string_view user_text,
               std::uint64_t sequence, std::int64_t created) {
  Plan plan;
  plan.id = request.api == Api::openai ? fmt::format("chatcmpl-llmsim-{}", sequence)
                                       : fmt::format("msg_llmsim_{}", sequence);
  plan.model = request.model;
  plan.created = created;
  plan.delay = d.delay.value_or(std::chrono::milliseconds(0));
  plan.first_token_delay = d.first_token_delay.value_or(std::chrono::milliseconds(0));
  plan.stall = d.stall;
  plan.drop_after = d.drop_after;
  plan.finish_override = d.finish;
  plan.prompt_tokens = request.prompt_tokens;

  if (d.think) {
    plan.reasoning = split_tokens(*d.think);
  } else if (d.think_tokens) {
    plan.reasoning = split_tokens(lorem_words(*d.think_tokens));
  }

  std::string text;
  bool with_tools = false;
  if (request.ends_with_tool_result) {
    // The tool calls were made and answered: finish with text, never call again (that would loop).
    text = d.after_tool ? *d.after_tool : "tool result: " + request.tool_result_text;
  } else if (d.reply) {
    text = *d.reply;
    with_tools = true;
  } else if (d.lorem) {
    text = lorem_text(*d.lorem);
    with_tools = true;
  } else if (d.tokens) {
    text = lorem_words(*d.tokens);
    with_tools = true;
  } else if (d.tools.empty()) {
    text = fmt::format("echo: {}", user_text);
  } else {
    with_tools = true;  // tool calls alone, no text
  }
  plan.content = split_tokens(text);

  if (request.max_tokens && plan.content.size() > *request.max_tokens) {
    plan.content.resize(*request.max_tokens);
    plan.finish = Finish::length;
    with_tools = false;
  }
  if (with_tools) {
    for (std::size_t i = 0; i < d.tools.size(); ++i) {
      ToolCallPlan call;
      call.id = request.api == Api::openai ? fmt::format("call_llmsim_{}_{}", sequence, i)
                                           : fmt::format("toolu_llmsim_{}_{}", sequence, i);
      call.name = d.tools[i].name;
      call.arguments = d.tools[i].arguments;
      call.argument_pieces = split_pieces(call.arguments, kArgumentPiece);
      plan.tool_calls.push_back(std::move(call));
    }
    if (!plan.tool_calls.empty()) plan.finish = Finish::tool_calls;
  }
  plan.completion_tokens = plan.generated_chunks();
  return plan;
}

}  // namespace llmsim
