//! `smokecheck demo`: starts the built-in target (HTTP, HTTPS with its own CA, a port that
//! never answers) on 127.0.0.1 in a runtime of its own — to the runner it is as foreign as
//! a real deployment — and runs the bundled `examples/demo.yaml` against it.

use std::io::Write;
use std::path::Path;

use smokecheck::exit;
use smokecheck::plan::build_loaded;
use smokecheck::plan::vars::Mode;
use smokecheck::suite::load::{Loaded, load_str};

use crate::cli::{DemoArgs, Filter, Select};

/// The demo suite, embedded so `demo` works from any directory.
pub const SUITE: &str = include_str!("../../examples/demo.yaml");

pub fn command(args: &DemoArgs) -> u8 {
    if let Err(code) = super::run::check_report_paths(&args.output) {
        return code;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the demo target's runtime: {e}")),
    };
    let target = match runtime.block_on(smokecheck::demo::start()) {
        Ok(t) => t,
        Err(e) => return fail(&format!("cannot start the demo target on 127.0.0.1: {e}")),
    };
    let select = Select {
        paths: Vec::new(),
        envs: Vec::new(),
        all_envs: false,
        vars: target
            .vars()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    };
    let opts = select.plan_options(Mode::Run, &Filter::default(), Some(&args.exec));
    let mut loaded = Loaded::default();
    load_str(Path::new("examples/demo.yaml"), SUITE, &mut loaded);
    let _ = writeln!(
        anstream::stdout(),
        "demo target: {} and {} (CA {})\n",
        target.http_url,
        target.https_url,
        target.ca_file.display()
    );
    let code = match build_loaded(loaded, &opts, &|name| std::env::var(name).ok()) {
        Ok(planned) => super::run::run_planned(planned, &args.exec, &args.output),
        Err(e) => super::run::suite_error(&e),
    };
    drop(target);
    runtime.shutdown_background();
    code
}

fn fail(message: &str) -> u8 {
    let _ = writeln!(anstream::stderr(), "error: {message}");
    exit::USAGE
}
