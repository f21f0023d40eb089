// ms ships no type declarations; the server only calls it with a string.
declare module "ms" {
  function ms(value: string): number;
  export default ms;
}
