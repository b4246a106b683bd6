// swift-tools-version:6.1
import PackageDescription
import Foundation

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "accord",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "accord", targets: ["accord"]),
        .library(name: "AccordCore", targets: ["AccordCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-structured-headers.git", from: "1.7.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .target(
            name: "AccordCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "RawStructuredFieldValues", package: "swift-http-structured-headers"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AccordLog",
            dependencies: [
                "AccordCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AccordEvidence",
            dependencies: [
                "AccordCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AccordSTIX",
            dependencies: ["AccordCore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AccordTAXII",
            dependencies: [
                "AccordCore", "AccordSTIX", "AccordStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AccordStore",
            dependencies: [
                "AccordCore",
                "AccordLog",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AccordNode",
            dependencies: [
                "AccordCore",
                "AccordEvidence",
                "AccordLog",
                "AccordStore",
                "AccordSTIX",
                "AccordTAXII",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AccordConsole",
            dependencies: [
                "AccordCore",
                "AccordEvidence",
                "AccordLog",
                "AccordStore",
                "AccordNode",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AccordHTTP",
            dependencies: [
                "AccordCore",
                "AccordConsole",
                "AccordStore",
                "AccordNode",
                "AccordLog",
                "AccordSTIX",
                "AccordTAXII",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "accord",
            dependencies: [
                "AccordCore",
                "AccordConsole",
                "AccordStore",
                "AccordNode",
                "AccordHTTP",
                "AccordLog",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AccordTestSupport",
            dependencies: [
                "AccordCore", "AccordLog", "AccordStore", "AccordNode", "AccordHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AccordCoreTests",
            dependencies: ["AccordCore"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AccordLogTests",
            dependencies: ["AccordCore", "AccordLog", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AccordStoreTests",
            dependencies: [
                "AccordCore", "AccordLog", "AccordStore",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AccordEvidenceTests",
            dependencies: ["AccordCore", "AccordEvidence", "AccordTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AccordSTIXTests",
            dependencies: ["AccordSTIX", "AccordCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AccordNodeTests",
            dependencies: [
                "AccordCore", "AccordLog", "AccordStore", "AccordNode", "AccordHTTP", "AccordTestSupport", "AccordSTIX", "AccordTAXII",
                "AccordConsole",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

// libFuzzer targets (scripts/fuzz, docs/operations.md "Fuzzing"). They have no `main` of their own:
// libFuzzer supplies it, so they link only with `-sanitize=fuzzer`. Declared only when
// ACCORD_FUZZ is set, so that an ordinary `swift build` neither builds nor fails to link them.
if ProcessInfo.processInfo.environment["ACCORD_FUZZ"] != nil {
    let fuzzSettings = swiftSettings + [.unsafeFlags(["-parse-as-library"])]
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzJSON", ["AccordCore"]),
        ("FuzzEvent", ["AccordCore"]),
        ("FuzzBatch", ["AccordCore"]),
        ("FuzzSignedNote", ["AccordCore", "AccordLog"]),
        ("FuzzAddCheckpoint", ["AccordCore", "AccordLog"]),
        ("FuzzMessageSignature", ["AccordCore", .product(name: "RawStructuredFieldValues", package: "swift-http-structured-headers")]),
    ]
    for target in fuzzTargets {
        package.targets.append(.executableTarget(
            name: target.name, dependencies: ["FuzzSupport"] + target.dependencies, path: "Sources/Fuzz/\(target.name)",
            swiftSettings: fuzzSettings))
        package.products.append(.executable(name: target.name, targets: [target.name]))
    }
    package.targets.append(.target(name: "FuzzSupport", path: "Sources/Fuzz/FuzzSupport", swiftSettings: swiftSettings))
}
