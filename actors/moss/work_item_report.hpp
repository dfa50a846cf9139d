#pragma once

#include "actors/moss/work_item.hpp"
#include "core/jobs.hpp"

#include <string>

// What a work item tells its node: the console's job board and the GetBatch
// metrics. No actor code: everything here works on the state alone.

namespace moss {

/// The work item as the console shows it.
job_view job_of(const work_item_state& st);

/// Shows the work item's progress on the node's job board.
void publish(const work_item_state& st);

/// Moves the work item to the board's recent list (once); a non-empty
/// `error` shows it as failed.
void retire(work_item_state& st, std::string error);

/// Keeps the window gauge in step with `held`.
void report_window(work_item_state& st);

/// Adds this work item to the node's GetBatch counters (once).
void report_outcome(work_item_state& st, bool failed);

} // namespace moss
