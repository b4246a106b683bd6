import AccordCore
import AccordLog
import AccordNode
import AccordStore
import Hummingbird

/// The Merkle log over HTTP: the witness endpoint and the origin's answers for peers (signed
/// requests), and the operator API under `/api/v1` (checkpoints, proofs, bundles, alerts).
enum LogRoutes {
    static func add(to router: Router<AccordRequestContext>, log: LogCoordinator, limiter: PeerRateLimiter) {
        addFederation(to: router, log: log, limiter: limiter)
        addOperator(to: router, log: log)
    }

    // MARK: Peers

    static func addFederation(to router: Router<AccordRequestContext>, log: LogCoordinator, limiter: PeerRateLimiter) {
        let node = log.node

        // C2SP tlog-witness add-checkpoint (docs/protocol.md §9). Errors keep the JSON format;
        // a 409 answers with the witness's size as text/x.tlog.size, as the spec requires.
        router.post(RouterPath(LogCoordinator.witnessPath)) { request, _ -> Response in
            let (sender, body) = try await SignedRequest.verify(request, node: node, limiter: limiter)
            switch try await node.addCheckpoint(body, from: sender) {
            case .cosigned(let lines):
                return JSONResponse.raw(Array(lines.utf8), contentType: "text/plain; charset=utf-8")
            case .conflict(let size):
                return JSONResponse.raw(Array("\(size)\n".utf8), status: .conflict, contentType: AddCheckpointRequest.sizeContentType)
            }
        }

        router.post(RouterPath(LogCoordinator.inclusionPath)) { request, _ -> Response in
            let (sender, body) = try await SignedRequest.verify(request, node: node, limiter: limiter)
            return JSONResponse.raw(CanonicalJSON.encode(try await log.inclusionAnswer(body, requester: sender)))
        }

        router.post(RouterPath(LogCoordinator.consistencyPath)) { request, _ -> Response in
            let (_, body) = try await SignedRequest.verify(request, node: node, limiter: limiter)
            return JSONResponse.raw(CanonicalJSON.encode(try await log.consistencyAnswer(body)))
        }

        router.post(RouterPath(LogCoordinator.exchangePath)) { request, _ -> Response in
            let (sender, body) = try await SignedRequest.verify(request, node: node, limiter: limiter)
            return JSONResponse.raw(CanonicalJSON.encode(try await log.exchangeAnswer(body, from: sender)))
        }
    }

    // MARK: Operators

    static func view(_ c: StoredCheckpoint) -> JSONValue {
        [
            "size": .number(Double(c.size)), "root": .string(Encoding.base64(c.root)), "note": .string(c.note),
            "issued_at": .string(c.issuedAt.rfc3339), "cosigners": .strings(c.cosigners),
            "witnessed_at": c.witnessedAt.map { .string($0.rfc3339) } ?? .null,
        ]
    }

    static func view(_ a: EquivocationAlert) -> JSONValue {
        [
            "id": .number(Double(a.id)), "kind": .string(a.kind), "origin": .string(a.origin), "detected_via": .string(a.detectedVia),
            "message": .string(a.message), "first_checkpoint": .string(a.first), "second_checkpoint": .string(a.second),
            "raised_at": .string(a.raisedAt.rfc3339),
        ]
    }

    static func integer(_ request: Request, _ name: String) throws -> Int64? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        guard let v = Int64(text), v >= 0 else { throw AccordError(.invalidField, "\(name) must be a non-negative integer", field: name) }
        return v
    }

    static func hashes(_ proof: [[UInt8]]) -> JSONValue { .array(proof.map { .string(Encoding.base64($0)) }) }

    static func addOperator(to router: Router<AccordRequestContext>, log: LogCoordinator) {
        let node = log.node
        let store = node.store
        let api = router.group("/api/v1").add(middleware: OperatorAuthMiddleware(store: log.node.store))

        api.get("/log") { request, _ -> Response in
            let latest = try await store.latestCheckpoint()
            let witnessed = try await store.latestWitnessedCheckpoint()
            return JSONResponse.raw(CanonicalJSON.encode([
                "origin": .string(node.name), "size": .number(Double(try await store.logSize())),
                "witness_quorum": .number(Double(node.configuration.log.witnessQuorum)),
                "checkpoint": latest.map(view) ?? .null, "witnessed": witnessed.map(view) ?? .null,
            ]))
        }

        // Signs a checkpoint now (if the log grew) and gathers cosignatures.
        api.post("/log/checkpoints") { request, _ -> Response in
            guard let c = try await log.checkpointRound(ignoringBackoff: true) else { throw AccordError(.conflict, "the log is empty: there is nothing to checkpoint") }
            return JSONResponse.raw(CanonicalJSON.encode(view(c)), status: .created)
        }

        api.get("/log/inclusion") { request, _ -> Response in
            var index = try integer(request, "index")
            if let text = request.uri.queryParameters.get("event") {
                let id: EventID
                do { id = try await node.resolveEvent(text) } catch let e as AccordError { throw AccordError(e.code, e.message, field: "event") }
                guard let i = try await store.logIndex(of: id) else { throw AccordError(.notFound, "event \(id.short) is not in this node's log") }
                index = i
            }
            guard let index else { throw AccordError(.missingField, "give event=<id> or index=<leaf index>", field: "event") }
            var wanted = try integer(request, "size")
            if wanted == nil { wanted = try await store.latestWitnessedCheckpoint()?.size }
            if wanted == nil { wanted = try await store.logSize() }
            let size = wanted!
            let proof = try await store.inclusionProof(index: index, size: size)
            return JSONResponse.raw(CanonicalJSON.encode([
                "leaf_index": .number(Double(index)), "tree_size": .number(Double(size)),
                "root": .string(Encoding.base64(try await store.logRoot(size: size))), "inclusion_proof": hashes(proof),
            ]))
        }

        api.get("/log/consistency") { request, _ -> Response in
            guard let old = try integer(request, "old") else { throw AccordError(.missingField, "give old=<size>", field: "old") }
            var wanted = try integer(request, "new")
            if wanted == nil { wanted = try await store.logSize() }
            let new = wanted!
            let proof = try await store.consistencyProof(from: old, to: new)
            return JSONResponse.raw(CanonicalJSON.encode([
                "old": .number(Double(old)), "new": .number(Double(new)),
                "old_root": .string(Encoding.base64(try await store.logRoot(size: old))),
                "new_root": .string(Encoding.base64(try await store.logRoot(size: new))), "proof": hashes(proof),
            ]))
        }

        api.get("/log/witnessed") { request, _ -> Response in
            let states = try await store.witnessStates().map { s -> JSONValue in
                ["origin": .string(s.origin), "size": .number(Double(s.size)), "root": .string(Encoding.base64(s.root)), "note": .string(s.note),
                 "updated_at": .string(s.updatedAt.rfc3339)]
            }
            return JSONResponse.raw(CanonicalJSON.encode(.array(states)))
        }

        // Exchanges checkpoints with every peer now.
        api.post("/log/exchange") { request, _ -> Response in
            await log.exchangeRound(all: true)
            return JSONResponse.raw(CanonicalJSON.encode(["alerts": .number(Double(try await store.alerts().count))]))
        }

        // Asks origins for the receipts still missing, now.
        api.post("/receipts/fetch") { request, _ -> Response in
            return JSONResponse.raw(CanonicalJSON.encode(["stored": .number(Double(await log.fetchReceipts(ignoringBackoff: true)))]))
        }

        api.get("/proofs/:id") { request, context -> Response in
            guard let text = context.parameters.get("id") else { throw AccordError(.malformed, "the path names no event") }
            let id = try await node.resolveEvent(text)
            return JSONResponse.raw(Array((PrettyJSON.string(try await log.bundle(for: id).json) + "\n").utf8))
        }

        api.get("/alerts") { request, _ -> Response in
            return JSONResponse.raw(CanonicalJSON.encode(.array(try await store.alerts().map(view))))
        }

        // Prometheus text format.
        api.get("/log/metrics") { request, _ -> Response in
            let lines = try await Self.logMetrics(store: store) + Self.trafficMetrics(node.traffic)
            return JSONResponse.raw(Array((lines.joined(separator: "\n") + "\n").utf8), contentType: "text/plain; version=0.0.4")
        }
    }

    /// The log as Prometheus text: equivocation alerts, size and witnessed size.
    static func logMetrics(store: any Store) async throws -> [String] {
        [
            "# HELP accord_equivocation_alerts_total Equivocation alerts raised (a log signed two inconsistent checkpoints).",
            "# TYPE accord_equivocation_alerts_total counter",
            "accord_equivocation_alerts_total \(try await store.alerts().count)",
            "# HELP accord_log_size Leaves in this node's Merkle log.",
            "# TYPE accord_log_size gauge",
            "accord_log_size \(try await store.logSize())",
            "# HELP accord_log_witnessed_size Size of the latest checkpoint a quorum of witnesses cosigned.",
            "# TYPE accord_log_witnessed_size gauge",
            "accord_log_witnessed_size \(try await store.latestWitnessedCheckpoint()?.size ?? 0)",
        ]
    }

    /// Node-to-node traffic as Prometheus text: requests made and answered, bytes, failures and
    /// timeouts, by path.
    static func trafficMetrics(_ traffic: NodeTraffic) -> [String] {
        var lines = [
            "# HELP accord_peer_requests_sent_total Node-to-node requests this node made, by path and outcome.",
            "# TYPE accord_peer_requests_sent_total counter",
        ]
        let sent = traffic.sentByPath.sorted { $0.key < $1.key }
        for (path, c) in sent {
            lines.append("accord_peer_requests_sent_total{path=\"\(path)\",outcome=\"ok\"} \(c.requests - c.failures)")
            lines.append("accord_peer_requests_sent_total{path=\"\(path)\",outcome=\"failed\"} \(c.failures - c.timeouts)")
            lines.append("accord_peer_requests_sent_total{path=\"\(path)\",outcome=\"timeout\"} \(c.timeouts)")
        }
        lines += ["# HELP accord_peer_bytes_sent_total Bytes (request or status line, headers, body) of the requests this node made and of their answers.", "# TYPE accord_peer_bytes_sent_total counter"]
        for (path, c) in sent {
            lines.append("accord_peer_bytes_sent_total{path=\"\(path)\",direction=\"out\"} \(c.bytesOut)")
            lines.append("accord_peer_bytes_sent_total{path=\"\(path)\",direction=\"in\"} \(c.bytesIn)")
        }
        lines += ["# HELP accord_peer_requests_received_total Node-to-node requests this node answered, by path.", "# TYPE accord_peer_requests_received_total counter"]
        let received = traffic.receivedByPath.sorted { $0.key < $1.key }
        for (path, c) in received { lines.append("accord_peer_requests_received_total{path=\"\(path)\"} \(c.requests)") }
        lines += ["# HELP accord_peer_bytes_received_total Bytes (request or status line, headers, body) of the requests this node answered and of its answers.", "# TYPE accord_peer_bytes_received_total counter"]
        for (path, c) in received {
            lines.append("accord_peer_bytes_received_total{path=\"\(path)\",direction=\"in\"} \(c.bytesIn)")
            lines.append("accord_peer_bytes_received_total{path=\"\(path)\",direction=\"out\"} \(c.bytesOut)")
        }
        return lines
    }
}
