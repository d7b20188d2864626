/* placeholder until the client is written */
int main(void) { return 0; }
