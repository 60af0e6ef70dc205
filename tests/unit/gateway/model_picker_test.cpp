// The model picker, the pure part (channel-behaviour §10): the catalogue, the button state and its
// context, the button ids, each view's text and buttons, paging, the refusal texts and which
// commands open the picker.

#include "gateway/model_picker.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "agent/model_choice.hpp"
#include "mattermost/buttons.hpp"

namespace mmclaw::gateway {
namespace {

namespace json = boost::json;

constexpr std::string_view kOwner = "user-1";

// `count` models named m01, m02, ...
std::vector<std::string> numbered_models(int count) {
  std::vector<std::string> models;
  for (int i = 1; i <= count; ++i) models.push_back((i < 10 ? "m0" : "m") + std::to_string(i));
  return models;
}

// anthropic (2 models), openai (17: three pages), ollama (1).
PickerCatalogue catalogue() {
  PickerCatalogue c;
  c.providers.push_back({"anthropic", {"claude-opus", "claude-haiku"}});
  c.providers.push_back({"openai", numbered_models(17)});
  c.providers.push_back({"ollama", {"llama3.3"}});
  return c;
}

std::vector<std::string> names(const PickerView& view) {
  std::vector<std::string> out;
  for (const auto& b : view.buttons) out.push_back(b.name);
  return out;
}

std::vector<std::string> styles(const PickerView& view) {
  std::vector<std::string> out;
  for (const auto& b : view.buttons) out.push_back(b.style);
  return out;
}

PickerState state(PickerAction action, std::string provider = {}, int page = 1, std::string model = {}) {
  PickerState s;
  s.action = action;
  s.owner_user_id = std::string(kOwner);
  s.provider = std::move(provider);
  s.page = page;
  s.model = std::move(model);
  return s;
}

// Every button's id is its context's id and its context reads back.
void expect_consistent(const PickerView& view) {
  for (const auto& b : view.buttons) {
    const auto parsed = parse_picker_context(b.context);
    ASSERT_TRUE(parsed.has_value()) << b.name;
    EXPECT_EQ(b.id, picker_button_id(*parsed)) << b.name;
    EXPECT_EQ(parsed->owner_user_id, kOwner) << b.name;
  }
}

// ---- Catalogue ----------------------------------------------------------------------------------

TEST(ModelPickerCatalogue, ProvidersInConfigurationOrderWithTheirModelIds) {
  config::Snapshot snap;
  config::ProviderConfig openai;
  openai.id = "openai";
  openai.models = {config::ModelConfig{}, config::ModelConfig{}};
  openai.models[0].id = "gpt-5";
  openai.models[1].id = "gpt-5-mini";
  config::ProviderConfig anthropic;
  anthropic.id = "anthropic";
  anthropic.models = {config::ModelConfig{}};
  anthropic.models[0].id = "claude-opus";
  config::ProviderConfig empty;
  empty.id = "empty";
  snap.providers["openai"] = openai;
  snap.providers["anthropic"] = anthropic;
  snap.providers["empty"] = empty;

  const auto c = picker_catalogue(snap);
  ASSERT_EQ(c.providers.size(), 2U);  // a provider without models is left out
  EXPECT_EQ(c.providers[0], (PickerProvider{"anthropic", {"claude-opus"}}));
  EXPECT_EQ(c.providers[1], (PickerProvider{"openai", {"gpt-5", "gpt-5-mini"}}));
  EXPECT_TRUE(c.warning.empty());

  // The same order as the refs /model and /models list.
  std::vector<std::string> refs;
  for (const auto& p : c.providers)
    for (const auto& m : p.models) refs.push_back(p.id + "/" + m);
  EXPECT_EQ(refs, agent::configured_model_refs(snap));
}

TEST(ModelPickerCatalogue, EmptySnapshotGivesAnEmptyCatalogue) {
  EXPECT_TRUE(picker_catalogue(config::Snapshot{}).providers.empty());
}

// ---- Context ------------------------------------------------------------------------------------

TEST(ModelPickerContext, KeysInOrderAndOnlyThoseTheActionUses) {
  EXPECT_EQ(json::serialize(picker_context(state(PickerAction::providers, "ignored", 5, "ignored"))),
            R"({"oc_model_picker":true,"action":"providers","ownerUserId":"user-1"})");
  EXPECT_EQ(json::serialize(picker_context(state(PickerAction::back))),
            R"({"oc_model_picker":true,"action":"back","ownerUserId":"user-1"})");
  EXPECT_EQ(json::serialize(picker_context(state(PickerAction::summary))),
            R"({"oc_model_picker":true,"action":"summary","ownerUserId":"user-1"})");
  EXPECT_EQ(
      json::serialize(picker_context(state(PickerAction::list, "openai", 2, "ignored"))),
      R"({"oc_model_picker":true,"action":"list","ownerUserId":"user-1","provider":"openai","page":2})");
  EXPECT_EQ(
      json::serialize(picker_context(state(PickerAction::select, "openai", 1, "gpt-5"))),
      R"({"oc_model_picker":true,"action":"select","ownerUserId":"user-1","provider":"openai","page":1,"model":"gpt-5"})");
}

TEST(ModelPickerContext, ActionNames) {
  EXPECT_EQ(picker_action_name(PickerAction::summary), "summary");
  EXPECT_EQ(picker_action_name(PickerAction::providers), "providers");
  EXPECT_EQ(picker_action_name(PickerAction::list), "list");
  EXPECT_EQ(picker_action_name(PickerAction::select), "select");
  EXPECT_EQ(picker_action_name(PickerAction::back), "back");
}

TEST(ModelPickerContext, RoundTripsEveryAction) {
  for (const auto& s :
       {state(PickerAction::summary), state(PickerAction::providers), state(PickerAction::back),
        state(PickerAction::list, "openai", 3), state(PickerAction::select, "openai", 2, "m09"),
        state(PickerAction::select, "prov/with slash", 1, "model/with/slashes")}) {
    const auto parsed = parse_picker_context(picker_context(s));
    ASSERT_TRUE(parsed.has_value()) << picker_action_name(s.action);
    EXPECT_EQ(*parsed, s);
  }
}

TEST(ModelPickerContext, ReadsASignedContextIgnoringTheGatewayKeys) {
  // What the callback receives: the picker's keys plus action_id, the channel and the token.
  const auto props = mattermost::button_attachments_props(
      std::vector{picker_button(state(PickerAction::select, "openai", 2, "m09"), "m09")}, "", "chan",
      "http://cb", "secret");
  const auto& context =
      props.at("attachments").at(0).at("actions").at(0).at("integration").at("context").as_object();
  EXPECT_TRUE(context.contains("_token"));
  EXPECT_TRUE(context.contains("action_id"));
  const auto parsed = parse_picker_context(context);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, state(PickerAction::select, "openai", 2, "m09"));
}

TEST(ModelPickerContext, ReadsThePageLeniently) {
  json::object c = picker_context(state(PickerAction::list, "openai", 1));
  c["page"] = 2.0;  // a number that came back as a double
  EXPECT_EQ(parse_picker_context(c)->page, 2);
  c["page"] = static_cast<std::uint64_t>(3);
  EXPECT_EQ(parse_picker_context(c)->page, 3);
  c["page"] = 0;
  EXPECT_EQ(parse_picker_context(c)->page, 1);
  c["page"] = -4;
  EXPECT_EQ(parse_picker_context(c)->page, 1);
  c["page"] = std::int64_t{1} << 40;
  EXPECT_EQ(parse_picker_context(c)->page, std::numeric_limits<int>::max());
  c.erase("page");
  EXPECT_EQ(parse_picker_context(c)->page, 1);
}

TEST(ModelPickerContext, DropsFieldsTheActionDoesNotUse) {
  json::object c = picker_context(state(PickerAction::providers));
  c["provider"] = "openai";
  c["page"] = 4;
  c["model"] = "gpt-5";
  EXPECT_EQ(parse_picker_context(c), state(PickerAction::providers));
  json::object l = picker_context(state(PickerAction::list, "openai", 2));
  l["model"] = "gpt-5";
  EXPECT_EQ(parse_picker_context(l), state(PickerAction::list, "openai", 2));
}

TEST(ModelPickerContext, RejectsWhatIsNotAPickerContext) {
  const json::object good = picker_context(state(PickerAction::select, "openai", 1, "gpt-5"));
  ASSERT_TRUE(parse_picker_context(good).has_value());

  auto with = [&](std::string_view key, json::value v) {
    json::object c = good;
    c[key] = std::move(v);
    return parse_picker_context(c);
  };
  auto without = [&](std::string_view key) {
    json::object c = good;
    c.erase(key);
    return parse_picker_context(c);
  };

  EXPECT_FALSE(parse_picker_context(json::object{}).has_value());
  EXPECT_FALSE(parse_picker_context(json::object{{"action", "select"}}).has_value());
  EXPECT_FALSE(without("oc_model_picker").has_value());
  EXPECT_FALSE(with("oc_model_picker", false).has_value());
  EXPECT_FALSE(with("oc_model_picker", "true").has_value());
  EXPECT_FALSE(with("oc_model_picker", 1).has_value());
  EXPECT_FALSE(without("action").has_value());
  EXPECT_FALSE(with("action", "open").has_value());
  EXPECT_FALSE(with("action", "Select").has_value());
  EXPECT_FALSE(with("action", 3).has_value());
  EXPECT_FALSE(without("ownerUserId").has_value());
  EXPECT_FALSE(with("ownerUserId", "").has_value());
  EXPECT_FALSE(with("ownerUserId", 42).has_value());
  EXPECT_FALSE(without("provider").has_value());
  EXPECT_FALSE(with("provider", "").has_value());
  EXPECT_FALSE(with("provider", json::array{"openai"}).has_value());
  EXPECT_FALSE(without("model").has_value());
  EXPECT_FALSE(with("model", "").has_value());
  EXPECT_FALSE(with("model", nullptr).has_value());
  EXPECT_FALSE(with("page", "2").has_value());
  EXPECT_FALSE(with("page", 1.5).has_value());
  EXPECT_FALSE(with("page", true).has_value());
  EXPECT_FALSE(with("page", nullptr).has_value());

  // A wrongly typed field is refused even where the action does not use it.
  json::object providers = picker_context(state(PickerAction::providers));
  providers["provider"] = 7;
  EXPECT_FALSE(parse_picker_context(providers).has_value());
  // A list needs its provider.
  json::object list = picker_context(state(PickerAction::list, "openai", 1));
  list.erase("provider");
  EXPECT_FALSE(parse_picker_context(list).has_value());
}

TEST(ModelPickerContext, OtherButtonsAreNotPickerButtons) {
  EXPECT_FALSE(parse_picker_context(json::object{{"callback_data", "deploy_yes"}}).has_value());
  EXPECT_FALSE(
      parse_picker_context(json::object{{"oc_question", true}, {"question_id", "q"}, {"option_index", 0}})
          .has_value());
}

// ---- Button ids ---------------------------------------------------------------------------------

TEST(ModelPickerButtonId, PrefixPlusTwelveHexOfTheStateSha256) {
  // sha256 of the compact context, computed independently (sha256sum).
  EXPECT_EQ(picker_button_id(state(PickerAction::providers)), "mdlprov6b332f9c3006");
  EXPECT_EQ(picker_button_id(state(PickerAction::list, "openai", 2)), "mdllist102fa6254ed2");
  EXPECT_EQ(picker_button_id(state(PickerAction::select, "openai", 1, "gpt-5")), "mdlsel9fa007c03e7f");
  EXPECT_EQ(picker_button_id(state(PickerAction::back)), "mdlback987b5bcd3c91");
}

TEST(ModelPickerButtonId, ShapeAndDeterminism) {
  const std::vector<std::pair<PickerState, std::string>> cases = {
      {state(PickerAction::providers), "mdlprov"},
      {state(PickerAction::list, "openai", 1), "mdllist"},
      {state(PickerAction::select, "openai", 1, "m01"), "mdlsel"},
      {state(PickerAction::back), "mdlback"},
  };
  for (const auto& [s, prefix] : cases) {
    const std::string id = picker_button_id(s);
    ASSERT_EQ(id.size(), prefix.size() + 12) << id;
    EXPECT_EQ(id.substr(0, prefix.size()), prefix);
    for (const char ch : id.substr(prefix.size()))
      EXPECT_TRUE((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')) << id;
    EXPECT_EQ(id, picker_button_id(s));  // same state, same id
    EXPECT_EQ(mattermost::sanitize_action_id(id), id);
  }
  // The owner, the provider, the page and the model all change the id.
  PickerState other_owner = state(PickerAction::list, "openai", 1);
  other_owner.owner_user_id = "user-2";
  EXPECT_NE(picker_button_id(other_owner), picker_button_id(state(PickerAction::list, "openai", 1)));
  EXPECT_NE(picker_button_id(state(PickerAction::list, "ollama", 1)),
            picker_button_id(state(PickerAction::list, "openai", 1)));
  EXPECT_NE(picker_button_id(state(PickerAction::list, "openai", 2)),
            picker_button_id(state(PickerAction::list, "openai", 1)));
  EXPECT_NE(picker_button_id(state(PickerAction::select, "openai", 1, "a")),
            picker_button_id(state(PickerAction::select, "openai", 1, "b")));
}

TEST(ModelPickerButtonId, PickerButtonCarriesIdNameStyleAndContext) {
  const auto s = state(PickerAction::list, "openai", 2);
  const auto b = picker_button(s, "Next");
  EXPECT_EQ(b.id, picker_button_id(s));
  EXPECT_EQ(b.name, "Next");
  EXPECT_EQ(b.style, "default");
  EXPECT_EQ(b.context, picker_context(s));
  EXPECT_EQ(picker_button(s, "x", "primary").style, "primary");
}

// ---- Summary ------------------------------------------------------------------------------------

TEST(ModelPickerSummary, TextAndBrowseButton) {
  const auto view = render_picker_summary(catalogue(), kOwner, "openai/m03");
  EXPECT_EQ(view.text,
            "Current: openai/m03\n"
            "\n"
            "Tap below to browse models, or use:\n"
            "/oc_model <provider/model> to switch\n"
            "Browse keeps the current runtime; use /oc_model <provider/model> --runtime <runtime> to switch "
            "runtime too\n"
            "/oc_model status for details");
  ASSERT_EQ(view.buttons.size(), 1U);
  EXPECT_EQ(view.buttons[0].name, "Browse providers");
  EXPECT_EQ(view.buttons[0].style, "primary");
  EXPECT_EQ(view.buttons[0].context, picker_context(state(PickerAction::providers)));
  EXPECT_EQ(view.buttons[0].id.substr(0, 7), "mdlprov");
  expect_consistent(view);
}

TEST(ModelPickerSummary, DefaultWhenNoModelIsChosen) {
  const auto view = render_picker_summary(catalogue(), kOwner, "");
  EXPECT_EQ(view.text.substr(0, view.text.find('\n')), "Current: default");
}

TEST(ModelPickerSummary, WarningPrependedWithABlankLine) {
  auto c = catalogue();
  c.warning = "Model catalogue could not be refreshed.";
  const auto view = render_picker_summary(c, kOwner, "");
  EXPECT_EQ(view.text.substr(0, view.text.find("Tap")),
            "Model catalogue could not be refreshed.\n\nCurrent: default\n\n");
}

// ---- Providers ----------------------------------------------------------------------------------

TEST(ModelPickerProviders, TextAndOneRowPerProviderWithItsCount) {
  const auto view = render_picker_providers(catalogue(), kOwner, "openai/m03");
  EXPECT_EQ(view.text, "Current: openai/m03\n\nSelect a provider:");
  EXPECT_EQ(names(view), (std::vector<std::string>{"anthropic (2)", "openai (17)", "ollama (1)"}));
  EXPECT_EQ(styles(view), (std::vector<std::string>{"default", "primary", "default"}));
  EXPECT_EQ(view.buttons[1].context, picker_context(state(PickerAction::list, "openai", 1)));
  EXPECT_EQ(view.buttons[0].context, picker_context(state(PickerAction::list, "anthropic", 1)));
  for (const auto& b : view.buttons) EXPECT_EQ(b.id.substr(0, 7), "mdllist");
  expect_consistent(view);
}

TEST(ModelPickerProviders, NoPrimaryRowWithoutACurrentModelOrForAnUnknownOne) {
  EXPECT_EQ(styles(render_picker_providers(catalogue(), kOwner, "")),
            (std::vector<std::string>{"default", "default", "default"}));
  EXPECT_EQ(render_picker_providers(catalogue(), kOwner, "").text, "Current: default\n\nSelect a provider:");
  EXPECT_EQ(styles(render_picker_providers(catalogue(), kOwner, "mistral/large")),
            (std::vector<std::string>{"default", "default", "default"}));
  // Exact comparison: a provider that only starts like one is not it.
  EXPECT_EQ(styles(render_picker_providers(catalogue(), kOwner, "open/ai")),
            (std::vector<std::string>{"default", "default", "default"}));
}

TEST(ModelPickerProviders, EmptyCatalogue) {
  const auto view = render_picker_providers(PickerCatalogue{}, kOwner, "openai/m03");
  EXPECT_EQ(view.text, "No models available.");
  EXPECT_TRUE(view.buttons.empty());

  PickerCatalogue warned;
  warned.warning = "Catalogue refresh failed.";
  EXPECT_EQ(render_picker_providers(warned, kOwner, "").text,
            "Catalogue refresh failed.\n\nNo models available.");
}

TEST(ModelPickerProviders, WarningPrependedWithABlankLine) {
  auto c = catalogue();
  c.warning = "Catalogue refresh failed.";
  EXPECT_EQ(render_picker_providers(c, kOwner, "").text,
            "Catalogue refresh failed.\n\nCurrent: default\n\nSelect a provider:");
}

// ---- Models -------------------------------------------------------------------------------------

TEST(ModelPickerModels, FirstPageOfThree) {
  const auto view = render_picker_models(catalogue(), kOwner, "openai", 1, "openai/m03");
  EXPECT_EQ(view.text,
            "Models (openai) - 17 available\n"
            "Current: openai/m03\n"
            "Page 1/3\n"
            "Select a model to switch immediately.");
  EXPECT_EQ(names(view), (std::vector<std::string>{"m01", "m02", "m03 [current]", "m04", "m05", "m06", "m07",
                                                   "m08", "Next", "Back to providers"}));
  for (const auto& s : styles(view)) EXPECT_EQ(s, "default");
  EXPECT_EQ(view.buttons[2].context, picker_context(state(PickerAction::select, "openai", 1, "m03")));
  EXPECT_EQ(view.buttons[2].id.substr(0, 6), "mdlsel");
  EXPECT_EQ(view.buttons[8].context, picker_context(state(PickerAction::list, "openai", 2)));
  EXPECT_EQ(view.buttons[8].id.substr(0, 7), "mdllist");
  EXPECT_EQ(view.buttons[9].context, picker_context(state(PickerAction::back)));
  EXPECT_EQ(view.buttons[9].id.substr(0, 7), "mdlback");
  expect_consistent(view);
}

TEST(ModelPickerModels, MiddlePageHasPrevAndNext) {
  const auto view = render_picker_models(catalogue(), kOwner, "openai", 2, "");
  EXPECT_EQ(view.text,
            "Models (openai) - 17 available\n"
            "Current: default\n"
            "Page 2/3\n"
            "Select a model to switch immediately.");
  EXPECT_EQ(names(view), (std::vector<std::string>{"m09", "m10", "m11", "m12", "m13", "m14", "m15", "m16",
                                                   "Prev", "Next", "Back to providers"}));
  EXPECT_EQ(view.buttons[0].context, picker_context(state(PickerAction::select, "openai", 2, "m09")));
  EXPECT_EQ(view.buttons[8].context, picker_context(state(PickerAction::list, "openai", 1)));
  EXPECT_EQ(view.buttons[9].context, picker_context(state(PickerAction::list, "openai", 3)));
  expect_consistent(view);
}

TEST(ModelPickerModels, LastPageHasOnlyPrev) {
  const auto view = render_picker_models(catalogue(), kOwner, "openai", 3, "openai/m17");
  EXPECT_EQ(view.text,
            "Models (openai) - 17 available\n"
            "Current: openai/m17\n"
            "Page 3/3\n"
            "Select a model to switch immediately.");
  EXPECT_EQ(names(view), (std::vector<std::string>{"m17 [current]", "Prev", "Back to providers"}));
  EXPECT_EQ(view.buttons[0].context, picker_context(state(PickerAction::select, "openai", 3, "m17")));
  EXPECT_EQ(view.buttons[1].context, picker_context(state(PickerAction::list, "openai", 2)));
  expect_consistent(view);
}

TEST(ModelPickerModels, PagesOutOfRangeClamp) {
  const auto last = render_picker_models(catalogue(), kOwner, "openai", 3, "");
  EXPECT_EQ(render_picker_models(catalogue(), kOwner, "openai", 4, ""), last);
  EXPECT_EQ(render_picker_models(catalogue(), kOwner, "openai", 1000, ""), last);
  const auto first = render_picker_models(catalogue(), kOwner, "openai", 1, "");
  EXPECT_EQ(render_picker_models(catalogue(), kOwner, "openai", 0, ""), first);
  EXPECT_EQ(render_picker_models(catalogue(), kOwner, "openai", -3, ""), first);
}

TEST(ModelPickerModels, OnePageHasNeitherPrevNorNext) {
  const auto view = render_picker_models(catalogue(), kOwner, "anthropic", 1, "anthropic/claude-haiku");
  EXPECT_EQ(view.text,
            "Models (anthropic) - 2 available\n"
            "Current: anthropic/claude-haiku\n"
            "Page 1/1\n"
            "Select a model to switch immediately.");
  EXPECT_EQ(names(view),
            (std::vector<std::string>{"claude-opus", "claude-haiku [current]", "Back to providers"}));
}

TEST(ModelPickerModels, ExactlyEightModelsIsOnePage) {
  PickerCatalogue c;
  c.providers.push_back({"p", numbered_models(8)});
  const auto view = render_picker_models(c, kOwner, "p", 2, "");
  EXPECT_NE(view.text.find("Page 1/1"), std::string::npos);
  EXPECT_EQ(view.buttons.size(), 9U);
  EXPECT_EQ(view.buttons.back().name, "Back to providers");

  c.providers[0].models = numbered_models(9);
  const auto two = render_picker_models(c, kOwner, "p", 2, "");
  EXPECT_NE(two.text.find("Page 2/2"), std::string::npos);
  EXPECT_EQ(names(two), (std::vector<std::string>{"m09", "Prev", "Back to providers"}));
}

TEST(ModelPickerModels, CurrentMarkNeedsTheSameProvider) {
  PickerCatalogue c;
  c.providers.push_back({"a", {"shared"}});
  c.providers.push_back({"b", {"shared"}});
  EXPECT_EQ(names(render_picker_models(c, kOwner, "a", 1, "b/shared")),
            (std::vector<std::string>{"shared", "Back to providers"}));
  EXPECT_EQ(names(render_picker_models(c, kOwner, "b", 1, "b/shared")),
            (std::vector<std::string>{"shared [current]", "Back to providers"}));
}

TEST(ModelPickerModels, ModelIdsWithSlashesMatchAfterTheFirstSlash) {
  PickerCatalogue c;
  c.providers.push_back({"openrouter", {"meta/llama-3", "other"}});
  EXPECT_EQ(names(render_picker_models(c, kOwner, "openrouter", 1, "openrouter/meta/llama-3")),
            (std::vector<std::string>{"meta/llama-3 [current]", "other", "Back to providers"}));
}

TEST(ModelPickerModels, ButtonIdsAreUniqueOnEveryPage) {
  for (int page = 1; page <= 3; ++page) {
    const auto view = render_picker_models(catalogue(), kOwner, "openai", page, "");
    std::set<std::string> ids;
    for (const auto& b : view.buttons) ids.insert(b.id);
    EXPECT_EQ(ids.size(), view.buttons.size()) << page;
  }
}

TEST(ModelPickerModels, UnknownProvider) {
  const auto view = render_picker_models(catalogue(), kOwner, "mistral", 1, "");
  EXPECT_EQ(view.text, "Unknown provider: mistral");
  ASSERT_EQ(view.buttons.size(), 1U);
  EXPECT_EQ(view.buttons[0].name, "Back to providers");
  EXPECT_EQ(view.buttons[0].style, "default");
  EXPECT_EQ(view.buttons[0].context, picker_context(state(PickerAction::back)));
  // Exact, case-sensitive match.
  EXPECT_EQ(render_picker_models(catalogue(), kOwner, "OpenAI", 1, "").text, "Unknown provider: OpenAI");
}

TEST(ModelPickerModels, ProviderWithoutModels) {
  PickerCatalogue c;
  c.providers.push_back({"bare", {}});
  const auto view = render_picker_models(c, kOwner, "bare", 1, "");
  EXPECT_EQ(view.text, "No models available.");
  EXPECT_EQ(names(view), (std::vector<std::string>{"Back to providers"}));
}

TEST(ModelPickerModels, WarningPrependedWithABlankLine) {
  auto c = catalogue();
  c.warning = "Catalogue refresh failed.";
  EXPECT_EQ(render_picker_models(c, kOwner, "anthropic", 1, "").text,
            "Catalogue refresh failed.\n\n"
            "Models (anthropic) - 2 available\n"
            "Current: default\n"
            "Page 1/1\n"
            "Select a model to switch immediately.");
  EXPECT_EQ(render_picker_models(c, kOwner, "nope", 1, "").text,
            "Catalogue refresh failed.\n\nUnknown provider: nope");
}

// ---- Dispatch -----------------------------------------------------------------------------------

TEST(ModelPickerRender, EachStateShowsItsView) {
  const auto c = catalogue();
  const std::string cur = "openai/m10";
  EXPECT_EQ(render_picker(c, state(PickerAction::summary), cur), render_picker_summary(c, kOwner, cur));
  EXPECT_EQ(render_picker(c, state(PickerAction::providers), cur), render_picker_providers(c, kOwner, cur));
  EXPECT_EQ(render_picker(c, state(PickerAction::back), cur), render_picker_providers(c, kOwner, cur));
  EXPECT_EQ(render_picker(c, state(PickerAction::list, "openai", 2), cur),
            render_picker_models(c, kOwner, "openai", 2, cur));
  // After a select the list is shown again, on the page the model was on.
  EXPECT_EQ(render_picker(c, state(PickerAction::select, "openai", 2, "m10"), cur),
            render_picker_models(c, kOwner, "openai", 2, cur));
}

TEST(ModelPickerRender, ClickingEachButtonLeadsToTheNextView) {
  const auto c = catalogue();
  // summary → providers → openai page 1 → Next → page 2 → Back → providers.
  auto view = render_picker(c, state(PickerAction::summary), "");
  auto next = parse_picker_context(view.buttons.at(0).context);
  ASSERT_TRUE(next);
  view = render_picker(c, *next, "");
  EXPECT_EQ(view, render_picker_providers(c, kOwner, ""));
  next = parse_picker_context(view.buttons.at(1).context);  // openai (17)
  ASSERT_TRUE(next);
  view = render_picker(c, *next, "");
  EXPECT_NE(view.text.find("Page 1/3"), std::string::npos);
  next = parse_picker_context(view.buttons.at(8).context);  // Next
  ASSERT_TRUE(next);
  view = render_picker(c, *next, "");
  EXPECT_NE(view.text.find("Page 2/3"), std::string::npos);
  next = parse_picker_context(view.buttons.back().context);  // Back to providers
  ASSERT_TRUE(next);
  EXPECT_EQ(next->action, PickerAction::back);
  EXPECT_EQ(render_picker(c, *next, ""), render_picker_providers(c, kOwner, ""));
}

// ---- Select and refusals ------------------------------------------------------------------------

TEST(ModelPickerSelect, AvailabilityCommandAndTexts) {
  const auto c = catalogue();
  EXPECT_TRUE(picker_model_available(c, "openai", "m17"));
  EXPECT_TRUE(picker_model_available(c, "ollama", "llama3.3"));
  EXPECT_FALSE(picker_model_available(c, "openai", "m18"));
  EXPECT_FALSE(picker_model_available(c, "ollama", "m01"));
  EXPECT_FALSE(picker_model_available(c, "mistral", "large"));
  EXPECT_FALSE(picker_model_available(PickerCatalogue{}, "openai", "m01"));

  EXPECT_EQ(model_select_command("openai", "gpt-5"), "/model openai/gpt-5");
  EXPECT_EQ(model_select_command("openrouter", "meta/llama-3"), "/model openrouter/meta/llama-3");
  EXPECT_EQ(picker_model_unavailable("openai/gpt-4"), "That model is no longer available: openai/gpt-4");
  EXPECT_EQ(kPickerNotOwner, "Only the person who opened this picker can use it.");
  EXPECT_EQ(kPickerDisabledInChannels, "Model picker actions are disabled in channels.");
  EXPECT_EQ(kPickerNotConfigured, "Model picker actions are not configured for this channel.");
  EXPECT_EQ(kPickerContextKey, "oc_model_picker");
  EXPECT_EQ(kPickerPageSize, 8U);
}

// ---- Opening ------------------------------------------------------------------------------------

TEST(ModelPickerOpen, WhichCommandsOpenWhichView) {
  EXPECT_EQ(picker_for_command("model", "", kOwner), state(PickerAction::summary));
  EXPECT_EQ(picker_for_command("model", "   ", kOwner), state(PickerAction::summary));
  EXPECT_EQ(picker_for_command("models", "", kOwner), state(PickerAction::providers));
  EXPECT_EQ(picker_for_command("models", " \t", kOwner), state(PickerAction::providers));
  EXPECT_EQ(picker_for_command("models", "openai", kOwner), state(PickerAction::list, "openai", 1));
  EXPECT_EQ(picker_for_command("models", "  openai  ", kOwner), state(PickerAction::list, "openai", 1));
  EXPECT_EQ(picker_for_command("MODELS", "openai", kOwner), state(PickerAction::list, "openai", 1));
  EXPECT_EQ(picker_for_command("Model", "", kOwner), state(PickerAction::summary));
  // An unknown provider still opens the list (which says so).
  EXPECT_EQ(picker_for_command("models", "mistral", kOwner), state(PickerAction::list, "mistral", 1));
}

TEST(ModelPickerOpen, EverythingElseIsTheControlCommandsJob) {
  EXPECT_FALSE(picker_for_command("model", "status", kOwner).has_value());
  EXPECT_FALSE(picker_for_command("model", "openai/gpt-5", kOwner).has_value());
  EXPECT_FALSE(picker_for_command("model", "openai/gpt-5 --runtime auto", kOwner).has_value());
  EXPECT_FALSE(picker_for_command("models", "openai extra", kOwner).has_value());
  EXPECT_FALSE(picker_for_command("status", "", kOwner).has_value());
  EXPECT_FALSE(picker_for_command("modelsx", "", kOwner).has_value());
  EXPECT_FALSE(picker_for_command("/model", "", kOwner).has_value());
  EXPECT_FALSE(picker_for_command("", "", kOwner).has_value());
}

TEST(ModelPickerOpen, TheOpenedViewCarriesTheOwner) {
  const auto s = picker_for_command("models", "openai", "someone");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->owner_user_id, "someone");
  for (const auto& b : render_picker(catalogue(), *s, "").buttons)
    EXPECT_EQ(b.context.at("ownerUserId").as_string(), "someone");
}

}  // namespace
}  // namespace mmclaw::gateway
