import AccordCore
import AccordHTTP
import AsyncHTTPClient

/// The operator API client the CLI uses.
typealias OperatorClientBox = OperatorClient

extension OperatorClient {
    init(url: String, token: String) {
        self.init(url: url, token: token, http: cliHTTP)
    }
}

/// The CLI's HTTP client: a refused connection is reported at once, not retried until the timeout.
let cliHTTP: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool.retryConnectionEstablishment = false
    configuration.timeout = .init(connect: .seconds(5), read: .seconds(60))
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}()

import AccordStore

enum AccordHTTPTokens {
    static func make(name: String, role: Role) -> (String, TokenRecord) {
        OperatorTokens.make(name: name, role: role, now: SystemTime().now())
    }
}
