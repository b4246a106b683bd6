import NIOCore
import Synchronization

/// Counts open connections per client address and closes a new one beyond the cap, before it
/// can send a request. Shared by every connection of one server.
final class ClientConnections: Sendable {
    let maxPerClient: Int
    private let open = Mutex<[String: Int]>([:])

    init(maxPerClient: Int) {
        self.maxPerClient = maxPerClient
    }

    /// Registers a connection; false if the client already holds its share.
    func opened(_ client: String) -> Bool {
        open.withLock { all in
            let n = all[client, default: 0]
            guard n < maxPerClient else { return false }
            all[client] = n + 1
            return true
        }
    }

    func closed(_ client: String) {
        open.withLock { all in
            let n = all[client, default: 1] - 1
            if n <= 0 { all.removeValue(forKey: client) } else { all[client] = n }
        }
    }
}

/// The per-connection half of `ClientConnections`, first in each connection's pipeline.
final class ConnectionLimitHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let connections: ClientConnections
    private var client: String?

    init(_ connections: ClientConnections) {
        self.connections = connections
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { register(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        register(context)
        context.fireChannelActive()
    }

    private func register(_ context: ChannelHandlerContext) {
        guard client == nil else { return }
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        if connections.opened(address) {
            client = address
        } else {
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let client { connections.closed(client) }
        client = nil
        context.fireChannelInactive()
    }
}
