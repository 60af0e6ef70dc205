#include "gateway/model_picker.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <boost/json.hpp>

#include "util/strings.hpp"

namespace mmclaw::gateway {

namespace json = boost::json;

namespace {

constexpr std::size_t kIdHashChars = 12;

// Lower-case hex of SHA-256(data).
std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");  // only on allocation failure: a bug or OOM
  }
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string hex;
  hex.reserve(std::size_t{length} * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0x0F]);
  }
  return hex;
}

std::string_view action_prefix(PickerAction action) {
  switch (action) {
    case PickerAction::summary:
    case PickerAction::providers: return "mdlprov";
    case PickerAction::list: return "mdllist";
    case PickerAction::select: return "mdlsel";
    case PickerAction::back: return "mdlback";
  }
  return "mdlprov";
}

std::optional<PickerAction> action_from_name(std::string_view name) {
  for (const auto action : {PickerAction::summary, PickerAction::providers, PickerAction::list,
                            PickerAction::select, PickerAction::back}) {
    if (picker_action_name(action) == name) return action;
  }
  return std::nullopt;
}

bool uses_provider(PickerAction action) {
  return action == PickerAction::list || action == PickerAction::select;
}

// A context's page: integral numbers only (JSON may bring `2` back as `2.0`); below 1 → 1.
std::optional<int> page_value(const json::value& v) {
  constexpr auto kMax = std::numeric_limits<int>::max();
  if (v.is_int64()) return static_cast<int>(std::clamp<std::int64_t>(v.get_int64(), 1, kMax));
  if (v.is_uint64()) return static_cast<int>(std::min<std::uint64_t>(v.get_uint64(), kMax));
  if (v.is_double()) {
    const double d = v.get_double();
    if (!std::isfinite(d) || std::trunc(d) != d) return std::nullopt;
    return static_cast<int>(std::clamp(d, 1.0, static_cast<double>(kMax)));
  }
  return std::nullopt;
}

// The current ref split at its first `/` (no `/`: all of it is the provider).
struct CurrentRef {
  std::string_view provider;
  std::string_view model;
};

CurrentRef split_current(std::string_view ref) {
  const auto slash = ref.find('/');
  if (slash == std::string_view::npos) return {ref, {}};
  return {ref.substr(0, slash), ref.substr(slash + 1)};
}

std::string current_line(std::string_view current_ref) {
  return fmt::format("Current: {}", current_ref.empty() ? std::string_view("default") : current_ref);
}

// The lines joined with "\n", after the catalogue's warning and a blank line when there is one.
std::string view_text(const PickerCatalogue& catalogue, const std::vector<std::string>& lines) {
  std::string text;
  if (!catalogue.warning.empty()) text = catalogue.warning + "\n\n";
  text += util::join(lines, "\n");
  return text;
}

PickerState state_of(PickerAction action, std::string_view owner_user_id) {
  PickerState s;
  s.action = action;
  s.owner_user_id = std::string(owner_user_id);
  return s;
}

PickerState list_state(std::string_view owner_user_id, std::string_view provider, int page) {
  PickerState s = state_of(PickerAction::list, owner_user_id);
  s.provider = std::string(provider);
  s.page = page;
  return s;
}

mattermost::ButtonSpec back_button(std::string_view owner_user_id) {
  return picker_button(state_of(PickerAction::back, owner_user_id), "Back to providers");
}

// A view with one message and only the back button (unknown provider, provider without models).
PickerView back_only(const PickerCatalogue& catalogue, std::string line, std::string_view owner_user_id) {
  PickerView view;
  view.text = view_text(catalogue, {std::move(line)});
  view.buttons.push_back(back_button(owner_user_id));
  return view;
}

}  // namespace

PickerCatalogue picker_catalogue(const config::Snapshot& snapshot) {
  PickerCatalogue catalogue;
  for (const auto& [id, provider] : snapshot.providers) {
    if (provider.models.empty()) continue;
    PickerProvider p;
    p.id = id;
    for (const auto& model : provider.models) p.models.push_back(model.id);
    catalogue.providers.push_back(std::move(p));
  }
  return catalogue;
}

std::string_view picker_action_name(PickerAction action) {
  switch (action) {
    case PickerAction::summary: return "summary";
    case PickerAction::providers: return "providers";
    case PickerAction::list: return "list";
    case PickerAction::select: return "select";
    case PickerAction::back: return "back";
  }
  return "summary";
}

json::object picker_context(const PickerState& state) {
  json::object context;
  context[kPickerContextKey] = true;
  context["action"] = picker_action_name(state.action);
  context["ownerUserId"] = state.owner_user_id;
  if (uses_provider(state.action)) {
    context["provider"] = state.provider;
    context["page"] = state.page;
  }
  if (state.action == PickerAction::select) context["model"] = state.model;
  return context;
}

std::optional<PickerState> parse_picker_context(const json::object& context) {
  const auto* marker = context.if_contains(kPickerContextKey);
  if (marker == nullptr || !marker->is_bool() || !marker->get_bool()) return std::nullopt;

  const auto* action_value = context.if_contains("action");
  if (action_value == nullptr || !action_value->is_string()) return std::nullopt;
  const auto action = action_from_name(action_value->get_string());
  if (!action) return std::nullopt;

  const auto* owner = context.if_contains("ownerUserId");
  if (owner == nullptr || !owner->is_string() || owner->get_string().empty()) return std::nullopt;

  std::string provider;
  std::string model;
  for (const auto& [key, target] :
       {std::pair{std::string_view("provider"), &provider}, std::pair{std::string_view("model"), &model}}) {
    const auto* v = context.if_contains(key);
    if (v == nullptr) continue;
    if (!v->is_string()) return std::nullopt;
    *target = std::string(v->get_string());
  }
  int page = 1;
  if (const auto* v = context.if_contains("page")) {
    const auto value = page_value(*v);
    if (!value) return std::nullopt;
    page = *value;
  }

  PickerState state = state_of(*action, owner->get_string());
  if (uses_provider(*action)) {
    if (provider.empty()) return std::nullopt;
    state.provider = std::move(provider);
    state.page = page;
  }
  if (*action == PickerAction::select) {
    if (model.empty()) return std::nullopt;
    state.model = std::move(model);
  }
  return state;
}

std::string picker_button_id(const PickerState& state) {
  const std::string hash = sha256_hex(json::serialize(picker_context(state)));
  return std::string(action_prefix(state.action)) + hash.substr(0, kIdHashChars);
}

mattermost::ButtonSpec picker_button(const PickerState& state, std::string name, std::string style) {
  return mattermost::ButtonSpec{picker_button_id(state), std::move(name), std::move(style),
                                picker_context(state)};
}

PickerView render_picker_summary(const PickerCatalogue& catalogue, std::string_view owner_user_id,
                                 std::string_view current_ref) {
  PickerView view;
  view.text =
      view_text(catalogue, {current_line(current_ref), "",
                            "Tap below to browse models, or use:", "/oc_model <provider/model> to switch",
                            "Browse keeps the current runtime; use /oc_model <provider/model> --runtime "
                            "<runtime> to switch runtime too",
                            "/oc_model status for details"});
  view.buttons.push_back(
      picker_button(state_of(PickerAction::providers, owner_user_id), "Browse providers", "primary"));
  return view;
}

PickerView render_picker_providers(const PickerCatalogue& catalogue, std::string_view owner_user_id,
                                   std::string_view current_ref) {
  PickerView view;
  if (catalogue.providers.empty()) {
    view.text = view_text(catalogue, {"No models available."});
    return view;
  }
  view.text = view_text(catalogue, {current_line(current_ref), "", "Select a provider:"});
  const auto current = split_current(current_ref);
  for (const auto& p : catalogue.providers) {
    const bool is_current = !current_ref.empty() && p.id == current.provider;
    view.buttons.push_back(picker_button(list_state(owner_user_id, p.id, 1),
                                         fmt::format("{} ({})", p.id, p.models.size()),
                                         is_current ? "primary" : "default"));
  }
  return view;
}

PickerView render_picker_models(const PickerCatalogue& catalogue, std::string_view owner_user_id,
                                std::string_view provider, int page, std::string_view current_ref) {
  const auto found = std::find_if(catalogue.providers.begin(), catalogue.providers.end(),
                                  [&](const PickerProvider& p) { return p.id == provider; });
  if (found == catalogue.providers.end())
    return back_only(catalogue, fmt::format("Unknown provider: {}", provider), owner_user_id);
  const auto& models = found->models;
  if (models.empty()) return back_only(catalogue, "No models available.", owner_user_id);

  const auto total = static_cast<int>((models.size() + kPickerPageSize - 1) / kPickerPageSize);
  const int shown = std::clamp(page, 1, total);
  const auto first = static_cast<std::size_t>(shown - 1) * kPickerPageSize;
  const auto last = std::min(models.size(), first + kPickerPageSize);

  PickerView view;
  view.text = view_text(catalogue, {fmt::format("Models ({}) - {} available", found->id, models.size()),
                                    current_line(current_ref), fmt::format("Page {}/{}", shown, total),
                                    "Select a model to switch immediately."});
  const auto current = split_current(current_ref);
  const bool current_provider = !current_ref.empty() && current.provider == found->id;
  for (std::size_t i = first; i < last; ++i) {
    PickerState select = list_state(owner_user_id, found->id, shown);
    select.action = PickerAction::select;
    select.model = models[i];
    const bool is_current = current_provider && models[i] == current.model;
    view.buttons.push_back(picker_button(select, is_current ? models[i] + " [current]" : models[i]));
  }
  if (shown > 1)
    view.buttons.push_back(picker_button(list_state(owner_user_id, found->id, shown - 1), "Prev"));
  if (shown < total)
    view.buttons.push_back(picker_button(list_state(owner_user_id, found->id, shown + 1), "Next"));
  view.buttons.push_back(back_button(owner_user_id));
  return view;
}

PickerView render_picker(const PickerCatalogue& catalogue, const PickerState& state,
                         std::string_view current_ref) {
  switch (state.action) {
    case PickerAction::summary: return render_picker_summary(catalogue, state.owner_user_id, current_ref);
    case PickerAction::providers:
    case PickerAction::back: return render_picker_providers(catalogue, state.owner_user_id, current_ref);
    case PickerAction::list:
    case PickerAction::select:
      return render_picker_models(catalogue, state.owner_user_id, state.provider, state.page, current_ref);
  }
  return render_picker_summary(catalogue, state.owner_user_id, current_ref);
}

bool picker_model_available(const PickerCatalogue& catalogue, std::string_view provider,
                            std::string_view model) {
  return std::any_of(catalogue.providers.begin(), catalogue.providers.end(), [&](const PickerProvider& p) {
    return p.id == provider && std::find(p.models.begin(), p.models.end(), model) != p.models.end();
  });
}

std::string picker_model_unavailable(std::string_view ref) {
  return fmt::format("That model is no longer available: {}", ref);
}

std::string model_select_command(std::string_view provider, std::string_view model) {
  return fmt::format("/model {}/{}", provider, model);
}

std::optional<PickerState> picker_for_command(std::string_view command, std::string_view args,
                                              std::string_view owner_user_id) {
  const std::string_view rest = util::trim(args);
  if (util::iequals(command, "model")) {
    if (!rest.empty()) return std::nullopt;
    return state_of(PickerAction::summary, owner_user_id);
  }
  if (!util::iequals(command, "models")) return std::nullopt;
  if (rest.empty()) return state_of(PickerAction::providers, owner_user_id);
  if (std::any_of(rest.begin(), rest.end(), [](unsigned char c) { return std::isspace(c) != 0; }))
    return std::nullopt;
  return list_state(owner_user_id, rest, 1);
}

}  // namespace mmclaw::gateway
