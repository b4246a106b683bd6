import AccordCore
import AccordHTTP

/// The operator API client the CLI uses.
typealias OperatorClientBox = OperatorClient

extension OperatorClient {
    init(url: String, token: String) {
        self.init(url: url, token: token, http: .shared)
    }
}

import AccordStore

enum AccordHTTPTokens {
    static func make(name: String, role: Role) -> (String, TokenRecord) {
        OperatorTokens.make(name: name, role: role, now: SystemTime().now())
    }
}
