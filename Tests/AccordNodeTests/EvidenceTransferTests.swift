import AccordCore
import AccordEvidence
import AccordHTTP
import AccordStore
import AccordTestSupport
import Crypto
import Foundation
import Testing

@testable import AccordNode

/// Evidence files moving between real nodes over loopback HTTP: whole and byte-identical,
/// resumed after the receiver is stopped mid-way, refused when damaged at the source, too
/// large or without room, never served to a node that is not a party, purged under
/// retention, and every step in a chain of custody both parties hold.
@Suite(.serialized) struct EvidenceTransferTests {
    /// A file of `size` random bytes, written 1 MiB at a time.
    static func randomFile(_ path: String, size: Int) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let out = try #require(FileHandle(forWritingAtPath: path))
        let random = try #require(FileHandle(forReadingAtPath: "/dev/urandom"))
        defer {
            try? out.close()
            try? random.close()
        }
        var left = size
        while left > 0 {
            let piece = try #require(try random.read(upToCount: min(left, 1 << 20)))
            try out.write(contentsOf: piece)
            left -= piece.count
        }
    }

    /// A case from aurelia to borealis, once borealis holds it.
    static func openCase(_ cluster: TestCluster, to: [String] = ["borealis"]) async throws -> EventID {
        let a = cluster["aurelia"]
        // A notification: unlike a communication check, it stays open until its initiator closes it,
        // however far a test moves the clock.
        let opened = try await a.node.open(OpenCaseRequest(kind: .notification, title: "Evidence", to: to, fields: ["summary": "Evidence"]))
        for name in to {
            #expect(try await TestCluster.eventually { try await cluster[name].node.store.containsEvent(opened.event.id) })
        }
        return opened.event.id
    }

    static func state(_ node: Node, _ id: EventID) async throws -> EvidenceItem.State? {
        guard try await node.store.containsEvent(id) else { return nil }
        return try await node.evidenceItem(id).state
    }

    /// With `time`, the injected clock moves a second at a time while waiting: a fetch or a
    /// delivery that failed once on a loaded machine retries when that clock says so.
    static func waitFor(_ state: EvidenceItem.State, _ node: Node, _ id: EventID, timeout: Duration = .seconds(60), time: ManualTime? = nil) async throws -> Bool {
        if let time { return try await TestCluster.eventually(advancing: time, by: 1000, timeout: timeout) { try await Self.state(node, id) == state } }
        return try await TestCluster.eventually(timeout: timeout) { try await Self.state(node, id) == state }
    }

    /// The files under a node's evidence directory, by path relative to it.
    static func evidenceFiles(_ node: Node) throws -> [String] {
        let dir = try node.evidenceDirectory()
        return (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String] ?? []).filter {
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: dir + "/" + $0, isDirectory: &isDir) && !isDir.boolValue
        }
    }

    static let prefix = EvidenceTransferPath.prefix

    @Test func twoHundredMegabytesArriveByteIdenticalWithTheirChainOfCustody() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.pinProfiles()
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let caseID = try await Self.openCase(cluster)
            let file = cluster.root.path + "/capture.pcap"
            try Self.randomFile(file, size: 200_000_000)
            let (size, sha) = try EvidenceFiles.hash(file)
            let added = try await a.node.addEvidence(to: caseID, file: file, name: "capture.pcap", mediaType: "application/vnd.tcpdump.pcap")
            let id = added.event.id

            #expect(try await Self.waitFor(.available, b.node, id, timeout: .seconds(300)))
            let out = cluster.root.path + "/received.pcap"
            _ = try await b.node.exportEvidence(id, to: out)
            let (gotSize, gotSHA) = try EvidenceFiles.hash(out)
            #expect(gotSize == size && gotSHA == sha)
            // Streamed in one run from the first byte; progress says so.
            let progress = try #require(b.node.evidenceTransfers.progress(id))
            #expect(progress.bytes == progress.total && progress.resumedFrom == 0 && progress.runs == 1)
            // Borealis keeps only the encrypted copy, owner-only.
            let held = try b.node.evidencePath(try await b.node.evidenceItem(id).metadata, event: id)
            #expect((try FileManager.default.attributesOfItem(atPath: held)[.posixPermissions] as? Int) == 0o600)
            #expect(try Self.evidenceFiles(b.node) == ["\(Encoding.hex(sha))/\(id.hex).enc"])

            // The API shows the file held, and exporting through it is recorded with the operator's name.
            let item = try await b.client.get("/api/v1/evidence/\(id.hex)")
            #expect(item["state"]?.stringValue == "available" && item["transfer"]?["total"]?.intValue == Int(progress.total))
            let viaAPI = cluster.root.path + "/via-api.pcap"
            try await b.client.download("/api/v1/evidence/\(id.hex)/content", to: viaAPI)
            #expect(try EvidenceFiles.hash(viaAPI) == (size, sha))

            // Added and sent on aurelia; received, verified and exported on borealis; both hold all five.
            let expected: [(String, String)] = [("added", "aurelia"), ("sent", "aurelia"), ("received", "borealis"), ("verified", "borealis"), ("exported", "borealis")]
            for node in [a.node, b.node] {
                #expect(try await TestCluster.eventually {
                    let chain = try await node.custody(inCase: caseID, evidence: id)
                    return Set(chain.map { "\($0.action) \($0.node)" }) == Set(expected.map { "\($0.0) \($0.1)" })
                }, "\(node.name)")
            }
            let chain = try await a.node.custody(inCase: caseID, evidence: id)
            let sent = try #require(chain.first { $0.action == "sent" }?.record)
            #expect(sent.peer == "borealis" && sent.bytes == progress.total)
            #expect(chain.first { $0.action == "verified" }?.record?.sha256 == sha)
            #expect(chain.first { $0.action == "exported" }?.record?.by == "test-admin")
            // The command line shows the same chain.
            let custody = try await CommandLineTests.accord(["evidence", "custody", caseID.hex, id.hex, "--node", a.url, "--token", a.token])
            #expect(custody.status == 0 && custody.out.contains("sent  on aurelia to borealis") && custody.out.contains("verified  on borealis"), "\(custody.out)\(custody.err)")
        }
    }

    @Test func aTransferCutMidwayResumesWhereItStopped() async throws {
        // 25 MB/s, so the cut lands mid-way through the 60 MB file.
        try await TestCluster.with(["aurelia", "borealis"], evidenceOf: ["borealis": EvidenceSettings(transferBytesPerSecond: 25_000_000)]) { cluster in
            try await cluster.pinProfiles()
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let caseID = try await Self.openCase(cluster)
            let file = cluster.root.path + "/image.dd"
            try Self.randomFile(file, size: 60_000_000)
            let (_, sha) = try EvidenceFiles.hash(file)
            let id = try await a.node.addEvidence(to: caseID, file: file, name: "image.dd", mediaType: "application/octet-stream").event.id

            #expect(try await TestCluster.eventually { (b.node.evidenceTransfers.progress(id)?.bytes ?? 0) > 15_000_000 })
            await cluster.stop("borealis")
            let partial = try b.node.evidencePath(try await b.node.evidenceItem(id).metadata, event: id) + ".partial"
            let cut = try #require(try FileManager.default.attributesOfItem(atPath: partial)[.size] as? Int)
            #expect(cut > 15_000_000 && cut < 60_000_000)
            #expect(try await Self.state(b.node, id) != .available)

            try await cluster.start("borealis")
            #expect(try await Self.waitFor(.available, b.node, id))
            let progress = try #require(b.node.evidenceTransfers.progress(id))
            // It went on from the last whole chunk it held, not from the start.
            #expect(progress.resumedFrom > 0 && progress.resumedFrom <= Int64(cut) && Int64(cut) - progress.resumedFrom < 1 << 21)
            let out = cluster.root.path + "/back.dd"
            _ = try await b.node.exportEvidence(id, to: out)
            #expect(try EvidenceFiles.hash(out).sha256 == sha)
            // Borealis asked twice and took in about the file once: the part before the cut was not fetched again.
            let fetched = try #require(b.node.traffic.sentByPath[Self.prefix])
            #expect(fetched.requests == 2 && Double(fetched.bytesIn) < 1.3 * Double(progress.total), "\(fetched)")
            // Received records the bytes of the run that completed it; sent records the resumed part.
            #expect(try await TestCluster.eventually {
                try await a.node.custody(inCase: caseID, evidence: id).contains { $0.action == "received" && $0.record?.bytes == progress.total - progress.resumedFrom }
            })
        }
    }

    enum Damage: String, CaseIterable { case tampered, reordered, otherKey = "other key", truncated }

    @Test func aDamagedSourceIsRefusedWithAClearErrorAndNothingVisible() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.pinProfiles()
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let caseID = try await Self.openCase(cluster)
            // Borealis is down while aurelia's copies are damaged, so it fetches only damaged ones.
            await cluster.stop("borealis")
            var ids: [Damage: EventID] = [:]
            for damage in Damage.allCases {
                let file = cluster.root.path + "/\(damage.rawValue).bin"
                try Self.randomFile(file, size: 3_500_000)
                let added = try await a.node.addEvidence(to: caseID, file: file, name: "\(damage.rawValue).bin", mediaType: "application/octet-stream")
                let metadata = try EvidenceMetadata(body: added.event.body)
                let path = try a.node.evidencePath(metadata, event: added.event.id)
                var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
                let sealed = EvidenceHeader.defaultChunkSize + EvidenceHeader.tagSize
                switch damage {
                case .tampered:
                    bytes[sealed + 1000] ^= 0x01
                case .reordered:
                    let first = Array(bytes[0..<sealed])
                    bytes.replaceSubrange(0..<sealed, with: bytes[sealed..<(2 * sealed)])
                    bytes.replaceSubrange(sealed..<(2 * sealed), with: first)
                case .otherKey:
                    // The same plaintext sealed under another file key: every chunk has the right size.
                    let other = cluster.root.path + "/other.enc"
                    _ = try EvidenceFiles.encrypt(input: file, output: other, recipients: [("borealis", b.node.keys.publicEncryptionKey)])
                    bytes = Array(try Data(contentsOf: URL(fileURLWithPath: other)))
                case .truncated:
                    bytes.removeLast(bytes.count - 2 * sealed - 500)
                }
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                ids[damage] = added.event.id
            }
            try await cluster.start("borealis")
            for (damage, id) in ids {
                #expect(try await Self.waitFor(.failed, b.node, id), "\(damage)")
                let item = try await b.node.evidenceItem(id)
                let expected = damage == .truncated ? "truncated" : "does not authenticate"
                #expect(item.failure?.contains(expected) == true && item.failure?.contains("the author's copy is damaged") == true, "\(damage): \(item.failure ?? "-")")
                // Fetched again before giving up.
                #expect(item.transfer?.runs == EvidenceTransferService.maxStrikes, "\(damage)")
                let error = await #expect(throws: AccordError.self) { _ = try await b.node.exportEvidence(id, to: cluster.root.path + "/x") }
                #expect(error?.code == .damaged)
                let reply = try await b.client.send(.GET, "/api/v1/evidence/\(id.hex)/content")
                #expect(reply.status == 422 && reply.json?["error"]?["code"]?.stringValue == "damaged")
            }
            // Nothing of any of them is on borealis's disk but the failure notes.
            #expect(try Self.evidenceFiles(b.node).allSatisfy { $0.hasSuffix(".failed") }, "\((try? Self.evidenceFiles(b.node)) ?? [])")
            #expect(!FileManager.default.fileExists(atPath: cluster.root.path + "/x"))
            // No custody record claims a receipt.
            #expect(try await b.node.custody(inCase: caseID).allSatisfy { $0.action != "received" && $0.action != "verified" })
            // Repaired at the source (the tampered byte flipped back), a retry brings it in.
            let id = try #require(ids[.tampered])
            let path = try a.node.evidencePath(try await a.node.evidenceItem(id).metadata, event: id)
            var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            bytes[EvidenceHeader.defaultChunkSize + EvidenceHeader.tagSize + 1000] ^= 0x01
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let retried = try await b.client.post("/api/v1/evidence/\(id.hex)/retry", [:])
            #expect(retried["state"]?.stringValue != "failed")
            #expect(try await Self.waitFor(.available, b.node, id))
        }
    }

    @Test func aNodeThatIsNotAPartyCanNeitherListNorFetchTheEvidence() async throws {
        try await TestCluster.with(["aurelia", "borealis", "caledonia"]) { cluster in
            try await cluster.pinProfiles()
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"], c = cluster["caledonia"]
            let caseID = try await Self.openCase(cluster)
            let file = cluster.root.path + "/x.bin"
            try Self.randomFile(file, size: 100_000)
            let id = try await a.node.addEvidence(to: caseID, file: file, name: "x.bin", mediaType: "application/octet-stream").event.id
            #expect(try await Self.waitFor(.available, b.node, id))

            // Caledonia's operators see no such case.
            let list = try await c.client.send(.GET, "/api/v1/cases/\(caseID.hex)/evidence")
            #expect(list.status == 404)
            #expect(try await c.client.send(.GET, "/api/v1/evidence/\(id.hex)").status == 404)
            // Caledonia, a pinned peer signing correctly, asks aurelia for the file: the same answer
            // as for a file that does not exist.
            let peerA = try #require(try await c.node.store.peer(named: "aurelia"))
            for target in [id, EventID(bytes: Array(repeating: 7, count: 32))] {
                let error = await #expect(throws: FederationClient.Failure.self) {
                    _ = try await FederationClient().stream("\(Self.prefix)/\(target.hex)/chunks/0", label: Self.prefix, from: peerA, node: c.node) { _ in }
                }
                #expect(error?.status == 404 && error?.message.contains("has no evidence \(target.hex) for caledonia") == true, "\(error?.description ?? "-")")
            }
            // Unsigned: refused before anything is looked up.
            let unsigned = try await OperatorClient(url: a.url, token: "").send(.GET, "\(Self.prefix)/\(id.hex)/chunks/0")
            #expect(unsigned.status == 401)
            // Borealis, the addressee, may ask for any chunk, and not past the last.
            let peerAForB = try #require(try await b.node.store.peer(named: "aurelia"))
            let tail = try await FederationClient().stream("\(Self.prefix)/\(id.hex)/chunks/0", label: Self.prefix, from: peerAForB, node: b.node) { _ in }
            #expect(tail == 100_000 + 16)
            let past = await #expect(throws: FederationClient.Failure.self) {
                _ = try await FederationClient().stream("\(Self.prefix)/\(id.hex)/chunks/1", label: Self.prefix, from: peerAForB, node: b.node) { _ in }
            }
            #expect(past?.status == 400)
        }
    }

    @Test func overLimitFilesAreRefusedBeforeAnyTransfer() async throws {
        let small = EvidenceSettings(maxFileBytes: 1_000_000)
        try await TestCluster.with(["aurelia", "borealis"], evidenceOf: ["borealis": small, "aurelia": EvidenceSettings(maxDiskBytes: 5_000_000)]) { cluster in
            try await cluster.pinProfiles()
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let caseID = try await Self.openCase(cluster)
            let file = cluster.root.path + "/big.bin"
            try Self.randomFile(file, size: 3_000_000)
            let id = try await a.node.addEvidence(to: caseID, file: file, name: "big.bin", mediaType: "application/octet-stream").event.id
            #expect(try await Self.waitFor(.failed, b.node, id))
            let failure = try #require(try await b.node.evidenceItem(id).failure)
            #expect(failure.contains("refused before transfer") && failure.contains("evidence.max_file_bytes"), "\(failure)")
            // Not one request for it reached aurelia.
            #expect(a.node.traffic.receivedByPath[Self.prefix] == nil)
            #expect(try Self.evidenceFiles(b.node).allSatisfy { $0.hasSuffix(".failed") })

            // Aurelia's own disk limit: 3 MB held, another 3 MB would pass 5 MB. Refused with
            // the limit named, by the node and by the API before the body is read.
            let error = await #expect(throws: AccordError.self) {
                _ = try await a.node.addEvidence(to: caseID, file: file, name: "again.bin", mediaType: "application/octet-stream")
            }
            #expect(error?.code == .tooLarge && error?.message.contains("evidence.max_disk_bytes") == true)
            let reply = try await a.client.send(.POST, "/api/v1/cases/\(caseID.hex)/evidence?name=again.bin", body: Array(repeating: 1, count: 3_000_000))
            #expect(reply.status == 413 && reply.json?["error"]?["message"]?.stringValue?.contains("evidence.max_disk_bytes") == true)
            #expect(try await a.node.evidence(inCase: caseID).count == 1)
        }
    }

    @Test(.enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func aFullDiskGivesAClearErrorAndLeavesNoPartialFile() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.pinProfiles()
            // Borealis's evidence directory on a 4 MB file system.
            let dir = try cluster["borealis"].node.evidenceDirectory()
            try Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", dir])
            defer { try? Self.run("/bin/umount", ["-l", dir]) }
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let caseID = try await Self.openCase(cluster)
            let file = cluster.root.path + "/big.bin"
            try Self.randomFile(file, size: 8_000_000)
            let id = try await a.node.addEvidence(to: caseID, file: file, name: "big.bin", mediaType: "application/octet-stream").event.id
            #expect(try await Self.waitFor(.failed, b.node, id))
            let failure = try #require(try await b.node.evidenceItem(id).failure)
            #expect(failure.contains("cannot write") && failure.lowercased().contains("space"), "\(failure)")
            #expect(try Self.evidenceFiles(b.node).allSatisfy { $0.hasSuffix(".failed") }, "\((try? Self.evidenceFiles(b.node)) ?? [])")
            // An upload to borealis itself that does not fit: a clear error, nothing kept.
            let reply = try await b.client.send(.POST, "/api/v1/cases/\(caseID.hex)/evidence?name=local.bin", body: Array(repeating: 1, count: 6_000_000))
            #expect(reply.status == 500 && reply.json?["error"]?["code"]?.stringValue == "storage", "\(reply.status) \(String(decoding: reply.body, as: UTF8.self))")
            #expect(try Self.evidenceFiles(b.node).allSatisfy { $0.hasSuffix(".failed") })
            #expect(try await b.node.evidence(inCase: caseID).count == 1)
        }
    }

    static func run(_ tool: String, _ args: [String]) throws {
        guard try Subprocess.start(tool, args, error: .inherit).wait() == 0 else { throw AccordError(.storage, "\(tool) \(args.joined(separator: " ")) failed") }
    }

    @Test func evidenceOfAClosedCaseIsPurgedAfterItsRetentionAndTheRecordStays() async throws {
        let time = ManualTime()
        let keep = EvidenceSettings(retentionDays: 30)
        try await TestCluster.with(["aurelia", "borealis"], time: time, evidenceOf: ["aurelia": keep, "borealis": keep]) { cluster in
            let fileSHA: [UInt8]
            try await cluster.pinProfiles()
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let caseID = try await Self.openCase(cluster)
            let file = cluster.root.path + "/x.bin"
            try Self.randomFile(file, size: 200_000)
            fileSHA = try EvidenceFiles.hash(file).sha256
            let id = try await a.node.addEvidence(to: caseID, file: file, name: "x.bin", mediaType: "application/octet-stream").event.id
            #expect(try await Self.waitFor(.available, b.node, id, time: time))
            // An open case keeps its evidence however old.
            time.advance(hours: 24 * 40)
            #expect(try await a.node.purgeExpiredEvidence().isEmpty)
            _ = try await a.node.step(.close, in: caseID, body: ["reason": "Done"])
            // Seconds of clock while it travels: the retention below counts 30 days from the close.
            #expect(try await TestCluster.eventually(advancing: time, by: 1000) { try await b.node.store.caseState(caseID)?.status == .closed })
            time.advance(hours: 24 * 29)
            #expect(try await a.node.purgeExpiredEvidence().isEmpty)
            time.advance(hours: 24 * 2)
            // The hourly retention pass (woken by the clock) and this call race; one of them purges.
            for node in [a.node, b.node] { _ = try await node.purgeExpiredEvidence() }
            for node in [a.node, b.node] {
                #expect(try await Self.waitFor(.purged, node, id))
                #expect(try Self.evidenceFiles(node).isEmpty)
                let item = try await node.evidenceItem(id)
                #expect(item.state == .purged && item.metadata.sha256 == fileSHA)
                let error = await #expect(throws: AccordError.self) { _ = try await node.exportEvidence(id, to: cluster.root.path + "/y") }
                #expect(error?.code == .gone)
                // Each party learns of the other's purge.
                #expect(try await TestCluster.eventually {
                    // Delivery retries wait on the injected clock: keep it moving.
                    time.advance(seconds: 1)
                    return Set(try await node.custody(inCase: caseID, evidence: id).filter { $0.action == "purged" }.map(\.node)) == ["aurelia", "borealis"]
                })
            }
            // A second pass purges nothing and records nothing more.
            #expect(try await a.node.purgeExpiredEvidence().isEmpty)
            #expect(try await a.node.custody(inCase: caseID, evidence: id).filter { $0.action == "purged" }.count == 2)
            // A purged file is no longer served, and not fetched again.
            let peerA = try #require(try await b.node.store.peer(named: "aurelia"))
            let error = await #expect(throws: FederationClient.Failure.self) {
                _ = try await FederationClient().stream("\(Self.prefix)/\(id.hex)/chunks/0", label: Self.prefix, from: peerA, node: b.node) { _ in }
            }
            #expect(error?.status == 410)
            #expect(try await b.node.pendingEvidence().isEmpty)
        }
    }

    @Test func evidenceStaysReadableAfterTheReceiverRotatesItsEncryptionKey() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.pinProfiles()
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let caseID = try await Self.openCase(cluster)
            let file = cluster.root.path + "/x.bin"
            try Self.randomFile(file, size: 1_500_000)
            let sha = try EvidenceFiles.hash(file).sha256
            let id = try await a.node.addEvidence(to: caseID, file: file, name: "x.bin", mediaType: "application/octet-stream").event.id
            #expect(try await Self.waitFor(.available, b.node, id))
            let old = b.node.keys.publicEncryptionKey
            _ = try await b.node.rotateEncryptionKey()
            #expect(b.node.keys.publicEncryptionKey != old)
            // The file was encrypted for the old key; the retired key (0600) still opens it.
            let out = cluster.root.path + "/out.bin"
            _ = try await b.node.exportEvidence(id, to: out)
            #expect(try EvidenceFiles.hash(out).sha256 == sha)
        }
    }
}
