/**
 * A scripted JDBC driver for tests of dialects whose database cannot run where the tests run, in the spirit of
 * HikariCP's {@code StubConnection} but strict: a {@link dev.dlock.tck.stub.ScriptedConnection} is told, statement by
 * statement, the exact SQL it will be asked to prepare, every parameter and the setter that binds it, how it is
 * executed and what it answers. Any call the script did not foresee fails the test, both where it happens (an
 * {@link java.lang.AssertionError}, which no {@code catch (SQLException | RuntimeException)} swallows) and again in
 * {@link dev.dlock.tck.stub.ScriptedConnection#verify()}.
 */
package dev.dlock.tck.stub;
