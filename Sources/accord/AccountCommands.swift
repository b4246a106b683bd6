import AccordConsole
import AccordCore
import AccordNode
import AccordStore
import ArgumentParser
import Foundation

struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account", abstract: "Web console accounts: people who sign in at <node>/console with a password and an optional TOTP code.",
        subcommands: [Add.self, List.self, Remove.self, TOTPCommand.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a console account. The password is read from standard input (--password-stdin) or made up and shown once.")
        @OptionGroup var data: DataOption
        @Argument(help: "The account name (lowercase letters, digits, '.' and '-').") var name: String
        @Option(help: "admin, officer (signs and sends), analyst (reads) or auditor (reads).") var role: String
        @Flag(help: "Read the password (12 to 72 bytes) from the first line of standard input.") var passwordStdin = false

        func run() async throws {
            try await reporting {
                guard let role = Role(rawValue: role) else { throw ValidationError("role must be admin, officer, analyst or auditor") }
                let password: String
                if passwordStdin {
                    guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw ValidationError("no password on standard input") }
                    password = line
                } else {
                    password = AccountCommand.newPassword()
                }
                let dir = DataDirectory(data.directory)
                let account = try await ConsolePasswords.account(name: name, role: role, password: password, cost: ConsoleSettings().bcryptCost, now: SystemTime().now())
                try await dir.openStore().addConsoleAccount(account)
                if !passwordStdin { print(password) }
                FileHandle.standardError.write(Data(("Console account \"\(name)\" (\(role.rawValue)) added." + (passwordStdin ? "" : " Its password is shown only this once.") + "\n").utf8))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List console accounts (names, roles, second factor; never secrets).")
        @OptionGroup var data: DataOption

        func run() async throws {
            try await reporting {
                let accounts = try await DataDirectory(data.directory).openStore().consoleAccounts()
                if accounts.isEmpty { print("No console accounts. Add one with accord account add.") }
                for a in accounts {
                    print("\(a.name)  \(a.role.rawValue)  \(a.totpSecret == nil ? "password" : "password+totp")  created \(a.createdAt)")
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a console account; its sessions end at once.")
        @OptionGroup var data: DataOption
        @Argument(help: "The account name.") var name: String

        func run() async throws {
            try await reporting {
                guard try await DataDirectory(data.directory).openStore().removeConsoleAccount(named: name) else {
                    throw AccordError(.notFound, "no console account named \(name)")
                }
                print("Removed \(name).")
            }
        }
    }

    struct TOTPCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "totp",
            abstract: "Give an account a new TOTP second factor (prints its secret and otpauth:// URL once), or remove it with --disable.",
            discussion: "The account's sessions end; from then on it signs in with its password and the 6-digit code of an authenticator app.")
        @OptionGroup var data: DataOption
        @Argument(help: "The account name.") var name: String
        @Flag(help: "Remove the second factor.") var disable = false

        func run() async throws {
            try await reporting {
                let dir = DataDirectory(data.directory)
                let store = try dir.openStore()
                let secret = disable ? nil : ConsoleTOTP.newSecret()
                guard try await store.setConsoleTOTP(named: name, secret: secret) else { throw AccordError(.notFound, "no console account named \(name)") }
                guard let secret else { return print("\(name) signs in with its password only.") }
                let node = (try? dir.loadConfiguration().name) ?? "accord"
                print("secret (base32): \(ConsoleTOTP.base32(secret))")
                print("url: \(ConsoleTOTP.url(secret: secret, account: name, issuer: "Accord \(node)"))")
                FileHandle.standardError.write(Data("Enter the secret or URL in an authenticator app; it is shown only this once.\n".utf8))
            }
        }
    }

    /// A made-up password: 20 characters from an alphabet without look-alikes (about 115 bits).
    static func newPassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var g = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &g)] })
    }
}
