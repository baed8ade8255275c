package org.biggan4j.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the command line in-process and captures its exit code, stdout and stderr. */
final class Cli {

    record Run(int code, String out, String err) {
    }

    private Cli() {
    }

    static Run run(String... args) {
        CommandLine cl = Biggan4j.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }
}
