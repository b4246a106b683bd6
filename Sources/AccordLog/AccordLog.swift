// AccordLog: each node's append-only Merkle log and the formats peers exchange about it.
//
// - Merkle.swift, MerkleTree.swift, MerkleVerify.swift: RFC 9162 hashing, store-backed tree
//   functions (root, inclusion and consistency proofs) and proof verification.
// - InMemoryMerkleNodes.swift: a node store in memory (tests, offline checks of exported logs).
// - SignedNote.swift, NoteSignature.swift, NoteVerifierKey.swift: C2SP signed-note.
// - Checkpoint.swift: C2SP tlog-checkpoint. Cosignature.swift: C2SP tlog-cosignature/v1.
