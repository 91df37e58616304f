//! `tl`: the command-line front-end.

fn main() {
    println!("tl");
}
