#pragma once
// Outbound media (channel-behaviour §5.4): a file the agent names, read only from the configured
// allowed directories.
