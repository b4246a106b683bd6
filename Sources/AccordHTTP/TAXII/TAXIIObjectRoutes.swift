import AccordCore
import AccordNode
import AccordStore
import AccordTAXII
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Objects of a collection (TAXII 2.1 sections 5.3–5.8): pages in ascending `date_added`,
/// a MACed `next` cursor bound to the collection and filters, `X-TAXII-Date-Added-First/Last`.
enum TAXIIObjectRoutes {
    enum Listing: String {
        case objects, manifest, object, versions
    }

    static func add(to taxii: RouterGroup<AccordRequestContext>, node: Node, cursor: PageCursor) {
        taxii.get("/api/collections/:collection/objects/") { request, context -> Response in
            try TAXIIRoutes.requireAccept(request)
            let (collection, _) = try TAXIIRoutes.access(context, need: \.read)
            return try await page(.objects, request, collection: collection, objectID: nil, node: node, cursor: cursor)
        }

        taxii.get("/api/collections/:collection/manifest/") { request, context -> Response in
            try TAXIIRoutes.requireAccept(request)
            let (collection, _) = try TAXIIRoutes.access(context, need: \.read)
            return try await page(.manifest, request, collection: collection, objectID: nil, node: node, cursor: cursor)
        }

        taxii.get("/api/collections/:collection/objects/:object/") { request, context -> Response in
            try TAXIIRoutes.requireAccept(request)
            let (collection, _) = try TAXIIRoutes.access(context, need: \.read)
            return try await page(.object, request, collection: collection, objectID: try objectID(context), node: node, cursor: cursor)
        }

        taxii.get("/api/collections/:collection/objects/:object/versions/") { request, context -> Response in
            try TAXIIRoutes.requireAccept(request)
            let (collection, _) = try TAXIIRoutes.access(context, need: \.read)
            return try await page(.versions, request, collection: collection, objectID: try objectID(context), node: node, cursor: cursor)
        }

        taxii.delete("/api/collections/:collection/objects/:object/") { request, context -> Response in
            try TAXIIRoutes.requireAccept(request)
            let (collection, _) = try TAXIIRoutes.access(context, need: \.write)
            let id = try objectID(context)
            let filters = try ObjectFilters.parse(ObjectFilters.pairs(query: request.uri.query ?? ""), maxLimit: node.configuration.taxii.maxPageSize)
            let versions = filters.versions.isEmpty ? TAXIIVersionFilter(all: true) : filters.versions
            let gone = try await node.taxiiDelete(id, versions: versions, from: collection)
            guard !gone.isEmpty else { throw AccordError(.notFound, "collection \(collection.id) holds no such version of \(id)") }
            return Response(status: .ok, headers: [.contentType: TAXIIMediaType.taxii])
        }

        taxii.post("/api/collections/:collection/objects/") { request, context -> Response in
            try TAXIIRoutes.requireAccept(request)
            guard let type = request.headers[.contentType], TAXIIMediaType.isTAXII(type) else {
                throw AccordError(.unsupportedMediaType, "send objects as \(TAXIIMediaType.taxii), not \(request.headers[.contentType] ?? "no Content-Type")", field: "Content-Type")
            }
            let (collection, _) = try TAXIIRoutes.access(context, need: \.write)
            let account = try context.requireTAXIIAccount()
            // 413 from Content-Length before a byte is read, and while reading.
            let bytes = try await request.bodyBytes(limit: node.configuration.taxii.maxContentLength, budget: node.bodyBudget)
            let objects = try envelopeObjects(bytes)
            let outcome = try await node.taxiiAdd(objects, to: collection, account: account.name)
            return JSONResponse.raw(outcome.status.body, status: .accepted, contentType: TAXIIMediaType.taxii)
        }
    }

    static func objectID(_ context: AccordRequestContext) throws(AccordError) -> String {
        guard let text = context.parameters.get("object"), STIXIdentifier.isValid(text) else {
            throw AccordError(.invalidField, "an object id is a STIX id like indicator--<uuid>", field: "object")
        }
        return text
    }

    /// The `objects` of a posted envelope; anything else is a malformed request (400).
    static func envelopeObjects(_ bytes: [UInt8]) throws(AccordError) -> [JSONValue] {
        let envelope: JSONValue
        do { envelope = try JSONParser.parse(bytes) } catch { throw AccordError(.malformed, "the envelope is not JSON: \(error.description)") }
        guard let members = envelope.objectValue else { throw AccordError(.malformed, "an envelope is a JSON object with \"objects\"") }
        guard let objects = members["objects"]?.arrayValue else {
            throw AccordError(.malformed, "the envelope needs \"objects\", a list of STIX objects", field: "objects")
        }
        guard !objects.isEmpty else { throw AccordError(.malformed, "the envelope's \"objects\" is empty", field: "objects") }
        for (key, value) in members where key == "more" && value.boolValue == nil {
            throw AccordError(.malformed, "the envelope's \"more\" is true or false", field: "more")
        }
        return objects
    }

    static func page(_ listing: Listing, _ request: Request, collection: TAXIICollection, objectID: String?, node: Node, cursor: PageCursor) async throws -> Response {
        var filters = try ObjectFilters.parse(ObjectFilters.pairs(query: request.uri.query ?? ""), maxLimit: node.configuration.taxii.maxPageSize)
        if let objectID {
            guard filters.ids.isEmpty, filters.types.isEmpty else {
                throw AccordError(.invalidField, "match[id] and match[type] do not apply to one object's URL", field: filters.ids.isEmpty ? "match[type]" : "match[id]")
            }
            filters.ids = [objectID]
        }
        if listing == .versions {
            guard filters.versions.isEmpty else { throw AccordError(.invalidField, "match[version] does not apply to versions", field: "match[version]") }
            filters.versions = TAXIIVersionFilter(all: true)
        }
        let binding = "\(listing.rawValue)\n\(collection.id)\n\(filters.binding)"
        var query = TAXIIObjectQuery(
            collection: collection.id, addedAfter: filters.addedAfter, ids: filters.ids, types: filters.types, specVersions: filters.specVersions,
            versions: filters.versions.isEmpty ? TAXIIVersionFilter(last: true) : filters.versions, limit: filters.limit)
        if let next = filters.next {
            let position = try cursor.position(next, binding: binding)
            query.addedAfter = max(position, query.addedAfter ?? position)
        }
        let page = try await node.store.objects(query)
        if page.objects.isEmpty, listing == .object || listing == .versions, filters.next == nil, filters.addedAfter == nil {
            throw AccordError(.notFound, "collection \(collection.id) holds no \(objectID ?? "object") matching these filters")
        }
        var out: [UInt8] = []
        out.reserveCapacity(page.objects.reduce(64) { $0 + $1.body.count + 1 })
        out += Array("{\"more\":\(page.more)".utf8)
        if page.more, let last = page.objects.last {
            out += Array(",\"next\":".utf8) + CanonicalJSON.encode(.string(cursor.make(position: last.dateAdded, binding: binding)))
        }
        if !page.objects.isEmpty {
            switch listing {
            case .objects, .object:
                out += Array(",\"objects\":[".utf8)
                for (i, o) in page.objects.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    out += o.body
                }
            case .manifest:
                out += Array(",\"objects\":".utf8)
                out += CanonicalJSON.encode(.array(page.objects.map { o in
                    .object([
                        "id": .string(o.id), "date_added": .string(STIXTime.format(o.dateAdded)), "version": .string(STIXTime.format(o.version)),
                        "media_type": .string(TAXIIMediaType.stix),
                    ])
                }))
            case .versions:
                out += Array(",\"versions\":".utf8) + CanonicalJSON.encode(.strings(page.objects.map { STIXTime.format($0.version) }))
            }
            if listing == .objects || listing == .object { out.append(UInt8(ascii: "]")) }
        }
        out.append(UInt8(ascii: "}"))
        var response = JSONResponse.raw(out, contentType: TAXIIMediaType.taxii)
        if let first = page.objects.first, let last = page.objects.last {
            response.headers[HTTPField.Name("X-TAXII-Date-Added-First")!] = STIXTime.format(first.dateAdded)
            response.headers[HTTPField.Name("X-TAXII-Date-Added-Last")!] = STIXTime.format(last.dateAdded)
        }
        return response
    }
}
