#pragma once

// Every typed actor interface of moss, and the type-ID block that names the
// message types on the wire. All nodes are built from this one header, so
// their interfaces always match.

#include "actors/atoms.hpp"
#include "actors/messages.hpp"

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/replies_to.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace moss {

/// The targets a work item can fetch from, by node id. The handles are
/// target actors (see `target_actor`).
struct peer_table {
  std::vector<std::string> ids;
  std::vector<caf::actor> handles;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_table& x) {
  return f(caf::meta::type_name("peer_table"), x.ids, x.handles);
}

/// The FETCH WORKER interface: reads entries from the local disks.
using fetch_worker_actor = caf::typed_actor<
    // Reads a group of entries within a byte budget.
    caf::replies_to<atom::fetch, fetch_request>::with<fetch_reply>>;

/// A WARM-UP READER: pre-reads one entry into the page cache.
using warmup_reader_actor
    = caf::typed_actor<caf::reacts_to<atom::warm, fetch_item>>;

/// The WARMUP actor interface: one per target, a bounded look-ahead pool.
using warmup_actor = caf::typed_actor<
    // Entries to pre-read (dropped, not queued without bound, when busy).
    caf::reacts_to<atom::warm, warm_request>,
    // Reader `n` finished its entry.
    caf::reacts_to<atom::done, uint32_t>,
    // Entries pre-read and entries dropped so far.
    caf::replies_to<atom::stats>::with<uint64_t, uint64_t>>;

/// The TARGET actor interface: one per storage node.
using target_actor = caf::typed_actor<
    // Reads a group of entries this target owns (GetBatch).
    caf::replies_to<atom::fetch, fetch_request>::with<fetch_reply>,
    // Entries of a work item coming up soon: pre-read them (look-ahead).
    caf::reacts_to<atom::warm, warm_request>,
    // Installs a newer cluster map; replies with the version in force.
    caf::replies_to<atom::update, cluster_map>::with<int64_t>,
    // Lists one page of this target's objects of a bucket.
    caf::replies_to<atom::list, list_query>::with<list_page>,
    // Sets the target's own map entry (known once it is published) and joins.
    caf::reacts_to<atom::start, node_info>,
    // (Re)connects to the proxy and joins the cluster.
    caf::reacts_to<atom::rejoin>,
    // Returns the handles of all reachable targets (self included).
    caf::replies_to<atom::peers>::with<peer_table>,
    // A peer (the one with the smaller id dials) connected: its id and
    // target handle.
    caf::reacts_to<atom::hello, std::string, caf::actor>,
    // Retries peer connections and gives up on peers that never called.
    caf::reacts_to<atom::tick>>;

/// The PROXY actor interface: owns the cluster map and bucket metadata.
using proxy_actor = caf::typed_actor<
    // A target joins or rejoins with the cluster's join token; replies with
    // the current map.
    caf::replies_to<atom::join, node_info, target_actor,
                    std::string>::with<cluster_map>,
    // Creates a bucket on every target; replies with the new map version.
    caf::replies_to<atom::create, std::string>::with<int64_t>,
    // Destroys a bucket on every target; replies with the new map version.
    caf::replies_to<atom::destroy, std::string>::with<int64_t>,
    // Sets cluster-wide runtime settings (`key=value`, validated by the
    // caller); replies with the new map version.
    caf::replies_to<atom::configure, std::vector<std::string>>::with<int64_t>,
    // Takes a target out of placement (decommissioning); it keeps serving
    // what it holds. Replies with the new map version.
    caf::replies_to<atom::leave, std::string>::with<int64_t>,
    // Removes a leaving target from the cluster for good.
    caf::replies_to<atom::remove, std::string>::with<int64_t>,
    // Lists one page of a bucket, merged over all targets.
    caf::replies_to<atom::list, list_query>::with<list_page>>;

/// The WORK ITEM interface: one per GetBatch request, on the DT.
using work_item_actor = caf::typed_actor<
    // The serializer handed `n` window bytes (entry bytes and their framing)
    // to the client: more may come.
    caf::reacts_to<atom::credit, uint64_t>,
    // The pause advised by the throttle is over: fetch on.
    caf::reacts_to<atom::tick>>;

/// The SERIALIZER interface: turns in-order slices into archive bytes and
/// hands them to the HTTP connection that pulls them.
using serializer_actor = caf::typed_actor<
    // The next in-order entries (from the work item).
    caf::reacts_to<slice>,
    // Every check passed: the response may start.
    caf::reacts_to<atom::ready>,
    // All entries were written; carries the MossResp JSON.
    caf::reacts_to<atom::done, std::string>,
    // The batch failed.
    caf::reacts_to<atom::fail, caf::error>,
    // The next archive bytes (from the HTTP connection).
    caf::replies_to<atom::pull>::with<pull_reply>,
    // The work item to credit (set once, right after spawning).
    caf::reacts_to<work_item_actor>>;

} // namespace moss

CAF_BEGIN_TYPE_ID_BLOCK(moss, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(moss, (moss::node_info))
  CAF_ADD_TYPE_ID(moss, (moss::cluster_map))
  CAF_ADD_TYPE_ID(moss, (moss::list_query))
  CAF_ADD_TYPE_ID(moss, (moss::list_page))
  CAF_ADD_TYPE_ID(moss, (moss::fetch_item))
  CAF_ADD_TYPE_ID(moss, (moss::fetch_request))
  CAF_ADD_TYPE_ID(moss, (moss::fetch_result))
  CAF_ADD_TYPE_ID(moss, (moss::fetch_reply))
  CAF_ADD_TYPE_ID(moss, (moss::warm_request))
  CAF_ADD_TYPE_ID(moss, (moss::slice))
  CAF_ADD_TYPE_ID(moss, (moss::pull_reply))
  CAF_ADD_TYPE_ID(moss, (moss::peer_table))
  CAF_ADD_TYPE_ID(moss, (moss::fetch_worker_actor))
  CAF_ADD_TYPE_ID(moss, (moss::target_actor))
  CAF_ADD_TYPE_ID(moss, (moss::proxy_actor))
  CAF_ADD_TYPE_ID(moss, (moss::work_item_actor))
  CAF_ADD_TYPE_ID(moss, (moss::serializer_actor))
  CAF_ADD_TYPE_ID(moss, (moss::warmup_actor))
  CAF_ADD_TYPE_ID(moss, (moss::warmup_reader_actor))

CAF_END_TYPE_ID_BLOCK(moss)
