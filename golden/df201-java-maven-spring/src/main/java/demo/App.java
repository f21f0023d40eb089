package demo; class App {}
