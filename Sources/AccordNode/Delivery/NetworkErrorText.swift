import Foundation

/// A failed connection said the way a person can act on it ("connection refused: nothing
/// listens at that address"), instead of the HTTP library's nested error descriptions.
public enum NetworkErrorText {
    public static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        let lowered = text.lowercased()
        if lowered.contains("unsupportedscheme") || lowered.contains("emptyscheme") {
            return "the URL must start with http:// or https://"
        }
        if lowered.contains("invalidurl") || lowered.contains("emptyhost") {
            return "this is not a valid URL"
        }
        if lowered.contains("connection refused") || lowered.contains("errno: 111") {
            return "connection refused: nothing listens at that address and port (is the node running, and is the URL right?)"
        }
        if lowered.contains("unknownhost") || lowered.contains("name or service not known") || lowered.contains("nodename nor servname")
            || lowered.contains("dns") {
            return "the host name does not resolve (check the URL)"
        }
        if lowered.contains("timeout") || lowered.contains("deadlineexceeded") || lowered.contains("timed out") {
            return "no answer in time (a firewall, or the node is overloaded)"
        }
        if lowered.contains("certificate") || lowered.contains("handshake") || lowered.contains("ssl") || lowered.contains("tls") {
            return "the TLS connection failed: the server's certificate was not accepted"
        }
        if lowered.contains("connection reset") || lowered.contains("remoteconnectionclosed") || lowered.contains("errno: 104") {
            return "the other side closed the connection"
        }
        if lowered.contains("network is unreachable") || lowered.contains("no route to host") {
            return "the network cannot reach that address"
        }
        return "the connection failed"
    }
}
