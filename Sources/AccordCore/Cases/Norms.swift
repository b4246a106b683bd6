/// The eleven norms of responsible state behaviour in the use of ICTs
/// (UN GGE 2015 report, A/70/174, para. 13 (a)–(k)); cases cite them as `13(a)` … `13(k)`.
public enum Norms {
    public struct Norm: Sendable, Hashable, Codable {
        public let id: String
        public let text: String
    }

    public static let all: [Norm] = [
        Norm(id: "13(a)", text: "Cooperate to increase stability and security in the use of ICTs"),
        Norm(id: "13(b)", text: "In case of ICT incidents, consider all relevant information, including the larger context and the challenges of attribution"),
        Norm(id: "13(c)", text: "Do not knowingly allow the territory to be used for internationally wrongful acts using ICTs"),
        Norm(id: "13(d)", text: "Cooperate to exchange information, assist each other, and prosecute criminal and terrorist use of ICTs"),
        Norm(id: "13(e)", text: "Respect human rights, including the right to privacy, in the use of ICTs"),
        Norm(id: "13(f)", text: "Do not conduct or knowingly support ICT activity that intentionally damages critical infrastructure"),
        Norm(id: "13(g)", text: "Take measures to protect critical infrastructure from ICT threats"),
        Norm(id: "13(h)", text: "Respond to appropriate requests for assistance from another state whose critical infrastructure is subject to malicious ICT acts"),
        Norm(id: "13(i)", text: "Ensure the integrity of the supply chain; prevent the proliferation of malicious ICT tools and techniques"),
        Norm(id: "13(j)", text: "Encourage responsible reporting of ICT vulnerabilities and share remedies"),
        Norm(id: "13(k)", text: "Do not harm the authorised emergency response teams of another state, nor use them for malicious international activity"),
    ]

    public static let ids: Set<String> = Set(all.map(\.id))

    /// Checks a list of cited norms: known ids, no repeats.
    public static func validate(_ cited: [String]) throws(AccordError) {
        var seen = Set<String>()
        for id in cited {
            guard ids.contains(id) else {
                throw AccordError(.invalidField, "unknown norm \"\(id)\"; cite norms as 13(a) … 13(k) (A/70/174 para. 13)", field: "norms")
            }
            guard seen.insert(id).inserted else { throw AccordError(.invalidField, "norm \(id) cited twice", field: "norms") }
        }
    }
}
