#include <stdio.h>
int main(void) { puts("speechwatch " SW_VERSION); return 0; }
