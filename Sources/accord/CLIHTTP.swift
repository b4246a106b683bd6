import AccordCore
import AccordHTTP
import AsyncHTTPClient

extension OperatorClient {
    /// An operator API client on the CLI's HTTP client.
    init(url: String, token: String) {
        self.init(url: url, token: token, http: cliHTTP)
    }
}

/// The CLI's HTTP client: a refused connection is reported at once, not retried until the timeout;
/// redirects are not followed.
let cliHTTP: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool.retryConnectionEstablishment = false
    // A profile fetched for pinning comes from the URL the operator typed, never from a redirect.
    configuration.redirectConfiguration = .disallow
    configuration.timeout = .init(connect: .seconds(5), read: .seconds(60))
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}()
