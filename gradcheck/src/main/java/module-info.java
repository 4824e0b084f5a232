/** A finite-difference gradient checker for vecrnn's models and any function of float arrays. */
module dev.vecrnn.gradcheck {
    requires transitive dev.vecrnn.nn;

    exports dev.vecrnn.gradcheck;
}
