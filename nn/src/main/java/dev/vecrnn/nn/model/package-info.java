/**
 * Models: a sequence of layers ({@link dev.vecrnn.nn.model.Model}), built by {@link dev.vecrnn.nn.model.ModelBuilder},
 * streamed step by step through a {@link dev.vecrnn.nn.model.ModelState} per stream. Depends on layers and below.
 */
package dev.vecrnn.nn.model;
