#pragma once
// The model picker of channel-behaviour §10, the pure part: the catalogue it browses, the state a
// button carries in its context (and how a received context is read back), the button ids, the
// texts and buttons of each view, the refusal texts of a click, and whether `/oc_model` or
// `/oc_models [provider]` opens it. No I/O, no clock: the shell posts the view (signing the
// buttons with mattermost::button_attachments_props), authorises clicks, edits the picker post on
// navigation and runs model_select_command on a select.
//
// Views and the buttons on them (button id = prefix + first 12 hex digits of SHA-256 of the
// button's context serialised compactly, see picker_button_id):
//   summary   `Browse providers` (primary)           → {action:"providers"}               mdlprov…
//   providers one row per provider `<p> (<count>)`   → {action:"list", provider, page:1}  mdllist…
//   models    one per model `<m>` / `<m> [current]`  → {action:"select", provider, page, model}
//                                                                                          mdlsel…
//             `Prev` / `Next`                        → {action:"list", provider, page∓1}  mdllist…
//             `Back to providers`                    → {action:"back"}                    mdlback…
// A click on providers or back shows the providers view, on list the models view of its page, on
// select (once the model is switched) the models view of the page it was on.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "config/snapshot.hpp"
#include "mattermost/buttons.hpp"

namespace mmclaw::gateway {

// The context key that marks a picker button (§10) and the models shown per page.
inline constexpr std::string_view kPickerContextKey = "oc_model_picker";
inline constexpr std::size_t kPickerPageSize = 8;

// Click refusals (§10), byte for byte; the shell answers `{"ephemeral_text":"<text>"}`.
inline constexpr std::string_view kPickerNotOwner = "Only the person who opened this picker can use it.";
inline constexpr std::string_view kPickerDisabledInChannels =
    "Model picker actions are disabled in channels.";
inline constexpr std::string_view kPickerNotConfigured =
    "Model picker actions are not configured for this channel.";

// One provider the picker lists, with its model ids in configuration order.
struct PickerProvider {
  std::string id;
  std::vector<std::string> models;
  bool operator==(const PickerProvider&) const = default;
};

// What the picker browses. `warning` (empty: none) is prepended to every view, followed by a
// blank line (the reference's catalogue refresh warning).
struct PickerCatalogue {
  std::vector<PickerProvider> providers;
  std::string warning;
  bool operator==(const PickerCatalogue&) const = default;
};

// The snapshot's providers in configuration order (the order configured_model_refs lists them),
// each with its `models[].id`; a provider without models is left out. No warning.
PickerCatalogue picker_catalogue(const config::Snapshot& snapshot);

enum class PickerAction { summary, providers, list, select, back };

// `summary`, `providers`, `list`, `select`, `back`: the context's `action`.
std::string_view picker_action_name(PickerAction action);

// A picker view to show or a clicked button's state. `provider` and `page` count for list and
// select, `model` for select only; the other fields keep their defaults. `summary` is what
// `/oc_model` opens; no rendered button carries it.
struct PickerState {
  PickerAction action = PickerAction::summary;
  std::string owner_user_id;  // who opened the picker: the only user whose clicks count
  std::string provider;
  int page = 1;  // 1-based; a page past the end shows the last one
  std::string model;
  bool operator==(const PickerState&) const = default;
};

// The button context, keys in this order: `{oc_model_picker:true, action, ownerUserId}`, then
// `provider` and `page` for list and select, then `model` for select.
boost::json::object picker_context(const PickerState& state);

// A received (signed) context read back; other keys (`action_id`, `__openclaw_channel_id`,
// `_token`, ...) are ignored. nullopt unless `oc_model_picker` is `true`, `action` one of the five
// names and `ownerUserId` a non-empty string; a `provider` or `model` that is present must be a
// string and `page` an integral number (else nullopt). list and select need a non-empty provider,
// select a non-empty model; a missing page is 1 and one below 1 counts as 1. Fields the action
// does not use are dropped, so parse_picker_context(picker_context(s)) == s for every state made
// by this file.
std::optional<PickerState> parse_picker_context(const boost::json::object& context);

// The action's prefix (`mdlprov` for providers and summary, `mdllist`, `mdlsel`, `mdlback`) +
// the first 12 lower-case hex digits of SHA-256 of boost::json::serialize(picker_context(state)).
// Letters and digits only, so sanitize_action_id leaves it unchanged.
std::string picker_button_id(const PickerState& state);

// A button that carries `state`: id picker_button_id, context picker_context.
mattermost::ButtonSpec picker_button(const PickerState& state, std::string name,
                                     std::string style = "default");

// A view: the post's message (lines joined with "\n") and its buttons in order.
struct PickerView {
  std::string text;
  std::vector<mattermost::ButtonSpec> buttons;
  bool operator==(const PickerView&) const = default;
};

// `current_ref` below is the session's `provider/model` (empty: the configured default): shown
// as `Current: <ref>` or `Current: default`; its provider (before the first `/`) and model (after
// it) are compared exactly with the catalogue's ids.

// `Current: …`, blank, `Tap below to browse models, or use:`, `/oc_model <provider/model> to
// switch`, `Browse keeps the current runtime; use /oc_model <provider/model> --runtime <runtime>
// to switch runtime too`, `/oc_model status for details`; one primary `Browse providers` button.
PickerView render_picker_summary(const PickerCatalogue& catalogue, std::string_view owner_user_id,
                                 std::string_view current_ref);

// `Current: …`, blank, `Select a provider:`; a `<p> (<count>)` button per provider, primary for
// the current model's provider. An empty catalogue: `No models available.`, no buttons.
PickerView render_picker_providers(const PickerCatalogue& catalogue, std::string_view owner_user_id,
                                   std::string_view current_ref);

// `Models (<p>) - <n> available`, `Current: …`, `Page x/y`, `Select a model to switch
// immediately.`; the page's models (kPickerPageSize per page, `<m> [current]` for the current
// one), `Prev` when x > 1, `Next` when x < y, `Back to providers`. `page` is clamped to 1..y.
// A provider not in the catalogue: `Unknown provider: <p>`; one without models: `No models
// available.`; both with only the back button.
PickerView render_picker_models(const PickerCatalogue& catalogue, std::string_view owner_user_id,
                                std::string_view provider, int page, std::string_view current_ref);

// The view a state shows: summary; providers and back → providers; list and select → models of
// its provider and page. The buttons carry `state.owner_user_id`.
PickerView render_picker(const PickerCatalogue& catalogue, const PickerState& state,
                         std::string_view current_ref);

// Whether a select still names a model of the catalogue (checked before switching).
bool picker_model_available(const PickerCatalogue& catalogue, std::string_view provider,
                            std::string_view model);

// `That model is no longer available: <ref>`.
std::string picker_model_unavailable(std::string_view ref);

// `/model <provider>/<model>`: the native command a select runs.
std::string model_select_command(std::string_view provider, std::string_view model);

// Whether a control command opens the picker, and on which view (owned by `owner_user_id`).
// `command` is the control command's name without `/` (`model`, `models`; any case), `args` its
// argument text (trimmed here). `model` without arguments → summary; `models` without arguments →
// providers; `models <provider>` (one word) → list of that provider, page 1. Anything else
// (`/model status`, `/model <ref>`, `/models a b`, other commands) → nullopt: the control command
// answers as usual.
std::optional<PickerState> picker_for_command(std::string_view command, std::string_view args,
                                              std::string_view owner_user_id);

}  // namespace mmclaw::gateway
