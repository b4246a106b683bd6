/// How long console sessions last and how hard sign-in attempts are limited. The defaults are
/// documented in docs/operations.md (Web console).
public struct ConsoleSettings: Sendable {
    /// A session unused this long ends.
    public var idleTimeoutSeconds: Int64
    /// A session ends this long after sign-in, however busy.
    public var absoluteTimeoutSeconds: Int64
    /// Failed sign-ins per account, then per client address, allowed within `failureWindowSeconds`.
    public var failuresPerAccount: Int
    public var failuresPerAddress: Int
    public var failureWindowSeconds: Int64
    /// bcrypt's cost factor for new passwords (2^cost rounds).
    public var bcryptCost: UInt8
    /// How often the live stream looks for new work, in milliseconds.
    public var streamPollMilliseconds: Int

    public init(idleTimeoutSeconds: Int64 = 30 * 60, absoluteTimeoutSeconds: Int64 = 12 * 3600, failuresPerAccount: Int = 5, failuresPerAddress: Int = 20,
                failureWindowSeconds: Int64 = 15 * 60, bcryptCost: UInt8 = 12, streamPollMilliseconds: Int = 1000) {
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.absoluteTimeoutSeconds = absoluteTimeoutSeconds
        self.failuresPerAccount = failuresPerAccount
        self.failuresPerAddress = failuresPerAddress
        self.failureWindowSeconds = failureWindowSeconds
        self.bcryptCost = bcryptCost
        self.streamPollMilliseconds = streamPollMilliseconds
    }
}
