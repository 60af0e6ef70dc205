// Control commands (agent/control_commands): the parser of a whole message and the reply texts.
#include "agent/control_commands.hpp"

#include <gtest/gtest.h>

namespace mmclaw::agent {
namespace {

using config::QueueMode;

struct ParseCase {
  std::string_view text;
  ControlCommand expected;
};

class ControlCommandParse : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ControlCommandParse, Parses) {
  const auto& c = GetParam();
  const auto parsed = parse_control_command(c.text);
  ASSERT_TRUE(parsed.has_value()) << c.text;
  EXPECT_EQ(*parsed, c.expected) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    ControlCommand, ControlCommandParse,
    ::testing::Values(
        ParseCase{"/status", StatusCommand{}}, ParseCase{"  /status \n", StatusCommand{}},
        ParseCase{"/STATUS", StatusCommand{}}, ParseCase{"/Status", StatusCommand{}},
        ParseCase{"/oc_status", StatusCommand{}}, ParseCase{"/OC_Status", StatusCommand{}},
        ParseCase{"/new", NewCommand{}}, ParseCase{"/reset", ResetCommand{}},
        ParseCase{"/help", HelpCommand{}}, ParseCase{"/model", ModelCommand{}},
        ParseCase{"/model status", ModelCommand{}},
        ParseCase{"/model ollama/llama3.3", ModelCommand{"ollama/llama3.3"}},
        ParseCase{"/MODEL   OpenAI/GPT-4o  ", ModelCommand{"OpenAI/GPT-4o"}},
        ParseCase{"/model llama3.3", ModelCommand{"llama3.3"}},
        ParseCase{"/model openrouter/meta-llama/llama-3.3-70b",
                  ModelCommand{"openrouter/meta-llama/llama-3.3-70b"}},
        ParseCase{"/oc_model ollama/qwen", ModelCommand{"ollama/qwen"}},
        ParseCase{"/models", ModelsCommand{}}, ParseCase{"/models ollama", ModelsCommand{"ollama"}},
        ParseCase{"/think", ThinkCommand{}}, ParseCase{"/think off", ThinkCommand{ThinkLevel::off}},
        ParseCase{"/think low", ThinkCommand{ThinkLevel::low}},
        ParseCase{"/think medium", ThinkCommand{ThinkLevel::medium}},
        ParseCase{"/think HIGH", ThinkCommand{ThinkLevel::high}},
        ParseCase{"/think\thigh", ThinkCommand{ThinkLevel::high}},
        ParseCase{"/reasoning", ReasoningCommand{}}, ParseCase{"/reasoning on", ReasoningCommand{true}},
        ParseCase{"/reasoning OFF", ReasoningCommand{false}}, ParseCase{"/verbose", VerboseCommand{}},
        ParseCase{"/verbose on", VerboseCommand{true}}, ParseCase{"/verbose off", VerboseCommand{false}},
        ParseCase{"/queue", QueueCommand{}}, ParseCase{"/queue steer", QueueCommand{QueueMode::steer}},
        ParseCase{"/queue followup", QueueCommand{QueueMode::followup}},
        ParseCase{"/queue collect", QueueCommand{QueueMode::collect}},
        ParseCase{"/queue Interrupt", QueueCommand{QueueMode::interrupt}}));

struct InvalidCase {
  std::string_view text;
  std::string_view name;
  std::string_view error;
};

class ControlCommandInvalid : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(ControlCommandInvalid, IsACommandWithAnError) {
  const auto& c = GetParam();
  const auto parsed = parse_control_command(c.text);
  ASSERT_TRUE(parsed.has_value()) << c.text;
  const auto* invalid = std::get_if<InvalidCommand>(&*parsed);
  ASSERT_NE(invalid, nullptr) << c.text;
  EXPECT_EQ(invalid->name, c.name);
  EXPECT_EQ(invalid->error, c.error);
  EXPECT_EQ(command_name(*parsed), c.name);
}

INSTANTIATE_TEST_SUITE_P(
    ControlCommand, ControlCommandInvalid,
    ::testing::Values(
        InvalidCase{"/status now", "status", "`/status` takes no arguments."},
        InvalidCase{"/new please", "new", "`/new` takes no arguments."},
        InvalidCase{"/reset all", "reset", "`/reset` takes no arguments."},
        InvalidCase{"/help me", "help", "`/help` takes no arguments."},
        InvalidCase{"/status\nand more", "status", "`/status` takes no arguments."},
        InvalidCase{"/model a/b c/d", "model", "Too many arguments. Usage: `/model [provider/model]`"},
        InvalidCase{"/model ollama/", "model",
                    "`ollama/` is not a model reference. Usage: `/model [provider/model]`"},
        InvalidCase{"/model /llama", "model",
                    "`/llama` is not a model reference. Usage: `/model [provider/model]`"},
        InvalidCase{"/model a//b", "model",
                    "`a//b` is not a model reference. Usage: `/model [provider/model]`"},
        InvalidCase{"/models a b", "models", "Too many arguments. Usage: `/models [provider]`"},
        InvalidCase{"/think max", "think",
                    "Unknown thinking level `max`. Usage: `/think off|low|medium|high`"},
        InvalidCase{"/think low high", "think", "Too many arguments. Usage: `/think off|low|medium|high`"},
        InvalidCase{"/think `x`", "think", "Unknown thinking level `x`. Usage: `/think off|low|medium|high`"},
        InvalidCase{"/reasoning maybe", "reasoning",
                    "Expected on or off, not `maybe`. Usage: `/reasoning on|off`"},
        InvalidCase{"/reasoning on off", "reasoning", "Too many arguments. Usage: `/reasoning on|off`"},
        InvalidCase{"/verbose true", "verbose", "Expected on or off, not `true`. Usage: `/verbose on|off`"},
        InvalidCase{"/queue later", "queue",
                    "Unknown queue mode `later`. Usage: `/queue steer|followup|collect|interrupt`"},
        InvalidCase{"/queue collect cap:5", "queue",
                    "Too many arguments. Usage: `/queue steer|followup|collect|interrupt`"},
        InvalidCase{"/think aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "think",
                    "Unknown thinking level `aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…`. Usage: "
                    "`/think off|low|medium|high`"}));

class ControlCommandNotACommand : public ::testing::TestWithParam<std::string_view> {};

TEST_P(ControlCommandNotACommand, IsNotACommand) {
  EXPECT_EQ(parse_control_command(GetParam()), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(ControlCommand, ControlCommandNotACommand,
                         ::testing::Values("", "   ", "/", "status", "hello /status", "please /new",
                                           "/status.", "/stop", "/abort", "/statuses", "//status", "/ status",
                                           "/oc_", "/oc_stop", "/news", "/modelx ollama/a", "\\status",
                                           "`/status`"));

TEST(ControlCommandName, EveryCommand) {
  EXPECT_EQ(command_name(StatusCommand{}), "status");
  EXPECT_EQ(command_name(NewCommand{}), "new");
  EXPECT_EQ(command_name(ResetCommand{}), "reset");
  EXPECT_EQ(command_name(HelpCommand{}), "help");
  EXPECT_EQ(command_name(ModelCommand{}), "model");
  EXPECT_EQ(command_name(ModelsCommand{}), "models");
  EXPECT_EQ(command_name(ThinkCommand{}), "think");
  EXPECT_EQ(command_name(ReasoningCommand{}), "reasoning");
  EXPECT_EQ(command_name(VerboseCommand{}), "verbose");
  EXPECT_EQ(command_name(QueueCommand{}), "queue");
  EXPECT_EQ(command_name(InvalidCommand{"think", "x"}), "think");
}

TEST(ControlCommandUsage, Texts) {
  EXPECT_EQ(usage_text("status"), "Usage: `/status`");
  EXPECT_EQ(usage_text("model"), "Usage: `/model [provider/model]`");
  EXPECT_EQ(usage_text("models"), "Usage: `/models [provider]`");
  EXPECT_EQ(usage_text("think"), "Usage: `/think off|low|medium|high`");
  EXPECT_EQ(usage_text("reasoning"), "Usage: `/reasoning on|off`");
  EXPECT_EQ(usage_text("verbose"), "Usage: `/verbose on|off`");
  EXPECT_EQ(usage_text("queue"), "Usage: `/queue steer|followup|collect|interrupt`");
  EXPECT_EQ(usage_text("stop"), "");
}

TEST(ControlCommandNames, LevelsAndModes) {
  EXPECT_EQ(think_level_name(ThinkLevel::off), "off");
  EXPECT_EQ(think_level_name(ThinkLevel::low), "low");
  EXPECT_EQ(think_level_name(ThinkLevel::medium), "medium");
  EXPECT_EQ(think_level_name(ThinkLevel::high), "high");
  EXPECT_EQ(queue_mode_name(QueueMode::steer), "steer");
  EXPECT_EQ(queue_mode_name(QueueMode::followup), "followup");
  EXPECT_EQ(queue_mode_name(QueueMode::collect), "collect");
  EXPECT_EQ(queue_mode_name(QueueMode::interrupt), "interrupt");
}

TEST(ControlCommandText, Help) {
  EXPECT_EQ(help_text(),
            "**mmclaw commands**\n"
            "- `/status`: model, session, token usage and uptime\n"
            "- `/new` or `/reset`: start a new conversation\n"
            "- `/model [provider/model]`: show or switch the model of this session\n"
            "- `/models [provider]`: list the configured models\n"
            "- `/think off|low|medium|high`: how hard the model thinks\n"
            "- `/reasoning on|off`: post the model's reasoning separately\n"
            "- `/verbose on|off`: show tool activity\n"
            "- `/queue steer|followup|collect|interrupt`: what happens to messages sent while a reply runs\n"
            "- `/help`: this list\n"
            "Without an argument, `/think`, `/reasoning`, `/verbose` and `/queue` show the current setting.");
  EXPECT_EQ(help_text().find("OpenClaw"), std::string::npos);
}

StatusInfo status_info() {
  StatusInfo info;
  info.model = "ollama/llama3.3";
  info.session_key = "agent:main:mattermost:direct:u1";
  info.transcript_entries = 12;
  info.transcript_tokens = 3420;
  info.last_usage = Usage{1234, 56, 12};
  info.uptime = std::chrono::seconds(2 * 3600 + 5 * 60 + 9);
  info.queue = QueueMode::collect;
  info.think = ThinkLevel::medium;
  info.reasoning = true;
  info.verbose = false;
  return info;
}

TEST(ControlCommandText, Status) {
  EXPECT_EQ(status_text(status_info()),
            "**mmclaw status**\n"
            "Model: `ollama/llama3.3`\n"
            "Session: `agent:main:mattermost:direct:u1`\n"
            "Transcript: 12 entries, ~3.4k tokens\n"
            "Last turn: 1234 tokens in, 56 out (12 reasoning)\n"
            "Settings: think medium, reasoning on, verbose off, queue collect\n"
            "Uptime: 2h 5m (mmclaw " MMCLAW_VERSION ")");
}

TEST(ControlCommandText, StatusEdges) {
  StatusInfo info;
  info.session_key = "s";
  EXPECT_EQ(status_text(info),
            "**mmclaw status**\n"
            "Model: none\n"
            "Session: `s`\n"
            "Transcript: 0 entries, ~0 tokens\n"
            "Last turn: no token usage reported\n"
            "Settings: think default, reasoning off, verbose off, queue followup\n"
            "Uptime: 0s (mmclaw " MMCLAW_VERSION ")");

  info.transcript_entries = 1;
  info.transcript_tokens = 999;
  info.last_usage = Usage{std::nullopt, 7, std::nullopt};
  info.uptime = std::chrono::seconds(59);
  auto text = status_text(info);
  EXPECT_NE(text.find("Transcript: 1 entry, ~999 tokens\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Last turn: ? tokens in, 7 out\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Uptime: 59s "), std::string::npos) << text;

  info.last_usage = Usage{};
  info.transcript_tokens = 45'600;
  info.uptime = std::chrono::seconds(61);
  text = status_text(info);
  EXPECT_NE(text.find("~46k tokens"), std::string::npos) << text;
  EXPECT_NE(text.find("Last turn: no token usage reported\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Uptime: 1m 1s "), std::string::npos) << text;

  info.transcript_tokens = 9'960;
  EXPECT_NE(status_text(info).find("~10k tokens"), std::string::npos);
  info.transcript_tokens = 999'600;
  EXPECT_NE(status_text(info).find("~1.0M tokens"), std::string::npos);
  info.transcript_tokens = 1'250'000;
  info.uptime = std::chrono::seconds(3 * 86'400 + 4 * 3600 + 59);
  text = status_text(info);
  EXPECT_NE(text.find("~1.2M tokens"), std::string::npos) << text;
  EXPECT_NE(text.find("Uptime: 3d 4h "), std::string::npos) << text;
}

std::vector<ProviderModels> providers() {
  return {{"ollama", {"llama3.3", "qwen2.5"}}, {"openai", {"gpt-4o"}}, {"empty", {}}};
}

TEST(ControlCommandText, ModelRefs) {
  EXPECT_EQ(model_refs(providers()),
            (std::vector<std::string>{"ollama/llama3.3", "ollama/qwen2.5", "openai/gpt-4o"}));
}

TEST(ControlCommandText, Models) {
  const auto p = providers();
  EXPECT_EQ(models_text(p, "ollama/llama3.3"),
            "**Models** (current: `ollama/llama3.3`)\n"
            "- `ollama/llama3.3` (current)\n"
            "- `ollama/qwen2.5`\n"
            "- `openai/gpt-4o`\n"
            "Switch with `/model provider/model`.");
  EXPECT_EQ(models_text(p, ""),
            "**Models**\n"
            "- `ollama/llama3.3`\n"
            "- `ollama/qwen2.5`\n"
            "- `openai/gpt-4o`\n"
            "Switch with `/model provider/model`.");
  EXPECT_EQ(models_text(p, "ollama/llama3.3", "OpenAI"),
            "**Models of openai** (current: `ollama/llama3.3`)\n"
            "- `openai/gpt-4o`\n"
            "Switch with `/model provider/model`.");
  EXPECT_EQ(models_text(p, "", "empty"), "No models are configured for `empty`.");
  EXPECT_EQ(models_text(p, "", "olama"),
            "Unknown provider `olama`. Did you mean `ollama`? Providers: `ollama`, `openai`, `empty`.");
  EXPECT_EQ(models_text(p, "", "anthropic"),
            "Unknown provider `anthropic`. Providers: `ollama`, `openai`, `empty`.");
  EXPECT_EQ(models_text({}, ""), "No models are configured.");
  EXPECT_EQ(models_text({}, "", "x"), "Unknown provider `x`. No providers are configured.");
}

struct ResolveCase {
  std::string_view ref;
  std::expected<std::string, std::string> expected;
};

class ControlCommandResolve : public ::testing::TestWithParam<ResolveCase> {};

TEST_P(ControlCommandResolve, Resolves) {
  const std::vector<std::string> configured{"ollama/llama3.3", "ollama/qwen2.5", "openai/gpt-4o",
                                            "lmstudio/qwen2.5"};
  EXPECT_EQ(resolve_model_ref(GetParam().ref, configured), GetParam().expected) << GetParam().ref;
}

INSTANTIATE_TEST_SUITE_P(
    ControlCommand, ControlCommandResolve,
    ::testing::Values(
        ResolveCase{"ollama/llama3.3", "ollama/llama3.3"}, ResolveCase{"OpenAI/GPT-4o", "openai/gpt-4o"},
        ResolveCase{"llama3.3", "ollama/llama3.3"}, ResolveCase{"GPT-4O", "openai/gpt-4o"},
        ResolveCase{"qwen2.5", std::unexpected(std::string("Model `qwen2.5` is offered by several providers: "
                                                           "`ollama/qwen2.5`, `lmstudio/qwen2.5`. Use "
                                                           "`/model provider/model`."))},
        ResolveCase{"ollama/llama3",
                    std::unexpected(std::string(
                        "Unknown model `ollama/llama3`. Did you mean `ollama/llama3.3`? See `/models`."))},
        ResolveCase{"gpt-4", std::unexpected(std::string(
                                 "Unknown model `gpt-4`. Did you mean `openai/gpt-4o`? See `/models`."))},
        ResolveCase{"anthropic/claude",
                    std::unexpected(std::string(
                        "Unknown model `anthropic/claude`. See `/models` for the configured models."))}));

TEST(ControlCommandResolveEmpty, NothingConfigured) {
  EXPECT_EQ(resolve_model_ref("a/b", {}), std::unexpected(std::string("No models are configured.")));
}

TEST(ControlCommandText, ModelAndSession) {
  EXPECT_EQ(model_text("ollama/llama3.3"),
            "Model: `ollama/llama3.3`. Switch with `/model provider/model`; list them with `/models`.");
  EXPECT_EQ(model_text(""),
            "No model is set. Switch with `/model provider/model`; list them with `/models`.");
  EXPECT_EQ(model_switched_text("openai/gpt-4o"), "Model set to `openai/gpt-4o` for this session.");
  EXPECT_EQ(new_session_text(), "New session started: the earlier conversation is forgotten.");
}

TEST(ControlCommandText, Settings) {
  EXPECT_EQ(think_text(ThinkLevel::high), "Thinking: **high**. Change it with `/think off|low|medium|high`.");
  EXPECT_EQ(think_text(std::nullopt), "Thinking: **default**. Change it with `/think off|low|medium|high`.");
  EXPECT_EQ(think_set_text(ThinkLevel::off), "Thinking set to **off** for this session.");
  EXPECT_EQ(think_set_text(ThinkLevel::medium), "Thinking set to **medium** for this session.");
  EXPECT_EQ(reasoning_text(true), "Reasoning: **on**. Change it with `/reasoning on|off`.");
  EXPECT_EQ(reasoning_set_text(true),
            "Reasoning set to **on** for this session: the model's reasoning is posted separately.");
  EXPECT_EQ(reasoning_set_text(false),
            "Reasoning set to **off** for this session: the model's reasoning is not posted.");
  EXPECT_EQ(verbose_text(false), "Verbose: **off**. Change it with `/verbose on|off`.");
  EXPECT_EQ(verbose_set_text(true), "Verbose set to **on** for this session: tool activity is shown.");
  EXPECT_EQ(verbose_set_text(false), "Verbose set to **off** for this session: tool activity is not shown.");
  EXPECT_EQ(queue_text(QueueMode::followup),
            "Queue mode: **followup** (messages sent while a reply runs wait and each gets its own reply). "
            "Change it with `/queue steer|followup|collect|interrupt`.");
  EXPECT_EQ(
      queue_set_text(QueueMode::steer),
      "Queue mode set to **steer** for this session: messages sent while a reply runs are handed to it when "
      "it can take them, otherwise they wait.");
  EXPECT_EQ(
      queue_set_text(QueueMode::followup),
      "Queue mode set to **followup** for this session: messages sent while a reply runs wait and each gets "
      "its own reply.");
  EXPECT_EQ(queue_set_text(QueueMode::collect),
            "Queue mode set to **collect** for this session: messages sent while a reply runs wait and are "
            "answered together.");
  EXPECT_EQ(queue_set_text(QueueMode::interrupt),
            "Queue mode set to **interrupt** for this session: a new message stops the running reply and is "
            "answered instead.");
}

// Every parsed command's reply path has a text: the round trip a caller does.
TEST(ControlCommandRoundTrip, ParsedSettingsHaveTexts) {
  const auto think = parse_control_command("/think low");
  ASSERT_TRUE(think);
  EXPECT_EQ(think_set_text(*std::get<ThinkCommand>(*think).level),
            "Thinking set to **low** for this session.");
  const auto queue = parse_control_command("/queue collect");
  ASSERT_TRUE(queue);
  EXPECT_EQ(queue_mode_name(*std::get<QueueCommand>(*queue).mode), "collect");
}

}  // namespace
}  // namespace mmclaw::agent
