// The Merkle log module: see the files beside this one.
