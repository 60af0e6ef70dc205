#pragma once
// Placeholder: the directory adapter's lookups over the REST client (channel-behaviour §11).
