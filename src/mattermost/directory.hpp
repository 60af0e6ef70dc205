#pragma once
// Placeholder: the directory adapter's pure part (channel-behaviour §11).
