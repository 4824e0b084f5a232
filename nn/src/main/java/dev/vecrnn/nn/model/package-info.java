/**
 * Models: a sequence of layers ({@link dev.vecrnn.nn.model.Model}), built by {@link dev.vecrnn.nn.model.ModelBuilder},
 * streamed by {@link dev.vecrnn.nn.model.ModelStream}. Depends on layers and below.
 */
package dev.vecrnn.nn.model;
